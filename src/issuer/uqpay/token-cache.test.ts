import { describe, expect, it } from "vitest";
import { TokenCache } from "./token-cache.ts";

describe("TokenCache", () => {
  it("shares one in-flight fetch, retries after a failure, and invalidates only the refused token", async () => {
    let n = 0;
    let fail = true;
    const now = 1_000_000;
    const cache = new TokenCache({
      now: () => now,
      fetchToken: async () => {
        n++;
        await new Promise((r) => setTimeout(r, 10));
        if (fail) throw new Error("down");
        return { token: `t${n}`, expiresAtMs: now + 1_800_000 };
      },
    });
    await expect(Promise.all([cache.get(), cache.get()])).rejects.toThrow("down");
    expect(n).toBe(1);
    fail = false;
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(["t2", "t2", "t2"]);
    expect(n).toBe(2);
    cache.invalidate("t1"); // stale token from someone else's 401: keep t2
    expect(await cache.get()).toBe("t2");
    cache.invalidate("t2");
    expect(await cache.get()).toBe("t3");
  });

  it("keeps using a still-valid token when an early refresh fails", async () => {
    let now = 0;
    let calls = 0;
    const cache = new TokenCache({
      now: () => now,
      fetchToken: async () => {
        calls++;
        if (calls > 1) throw new Error("token endpoint down");
        return { token: "t1", expiresAtMs: 100_000 };
      },
    });
    expect(await cache.get()).toBe("t1");
    now = 50_000; // inside the 60 s refresh window, not yet expired
    expect(await cache.get()).toBe("t1");
    now = 100_001;
    await expect(cache.get()).rejects.toThrow("token endpoint down");
  });
});
