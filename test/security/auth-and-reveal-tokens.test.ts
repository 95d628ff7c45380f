import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRevealAudit } from "../../src/modules/security/audit.ts";
import { ConcurrencyGate, FailureLimiter } from "../../src/modules/security/failure-limiter.ts";
import { authenticate, createApiKey, rotateApiKey } from "../../src/modules/tenants/api-keys.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { httpApi } from "../fixtures/http.ts";

/**
 * Issue 8, priorities 1 and 2, against a real Cardrail: failed authentications are limited per key
 * id and per client address (wrong secrets over the limit get 429 + Retry-After, the right secret
 * always passes, successes are not counted, a burst is limited exactly), rotated keys keep working
 * for their overlap only, and reveal tokens are single-use, short-lived and scoped like /reveal.
 * Defaults apply (20 failures per key id, 100 per address, per 15 minutes).
 */

let cardrail: TestCardrail;
let a: TestTenant;
let b: TestTenant;
let aCard: { cardId: string; uqpayCardId: string };

const raw = (path: string, init: RequestInit = {}) => httpApi(cardrail.url)(path, init);

async function revealable(tenant: TestTenant, cardId: string) {
  for (let i = 0; i < 200; i++) {
    const res = await tenant.api(`/api/v1/cards/${cardId}/reveal-token`, { method: "POST" });
    if (res.status !== 409) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("card never became active");
}

beforeAll(async () => {
  cardrail = await startCardrail();
  a = await cardrail.tenant({ fund: 100 });
  b = await cardrail.tenant({ fund: 100 });
  const holder = await activeHolder(a);
  const card = await issueCard(a, { holderId: holder, loadAmount: 10 });
  expect(card.status, JSON.stringify(card.body)).toBe(201);
  aCard = { cardId: card.body.cardId, uqpayCardId: card.body.uqpayCardId };
});
afterAll(async () => {
  await cardrail?.close();
});

describe("FailureLimiter", () => {
  it("counts an attempt when it is reserved, gives it back on success, and stays bounded in memory", () => {
    let now = 0;
    const limiter = new FailureLimiter({ max: 3, windowMs: 10_000 }, 100, () => now);
    // Reserved before the check: three attempts in flight at once, the fourth is already over.
    const first = [0, 1, 2].map(() => limiter.reserve("k"));
    expect(first.map((r) => r.overLimit)).toEqual([false, false, false]);
    const fourth = limiter.reserve("k");
    expect(fourth.overLimit).toBe(true);
    expect(limiter.reserve("other").overLimit).toBe(false);
    // A success gives its slot back (twice is still once): the next attempt is under again.
    first[0]?.succeeded();
    first[0]?.succeeded();
    fourth.succeeded();
    expect(limiter.count("k")).toBe(2);
    const next = limiter.reserve("k");
    expect(next.overLimit).toBe(false);
    expect(next.retryAfterSeconds()).toBe(10);
    now = 9_001;
    expect(next.retryAfterSeconds()).toBe(1);
    now = 10_000;
    // A new window; settling a reservation of the old one does not touch it.
    const fresh = limiter.reserve("k");
    expect(fresh.overLimit).toBe(false);
    next.succeeded();
    expect(limiter.count("k")).toBe(1);
    for (let i = 0; i < 10_000; i++) limiter.reserve(`random-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it("ConcurrencyGate runs at most its limit at once and queues the rest, refusing none", async () => {
    const gate = new ConcurrencyGate(2);
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 10 }, (_, i) =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return i;
      }),
    );
    const drain = async () => {
      while (releases.length > 0 || gate.queued > 0 || running > 0) {
        releases.shift()?.();
        await new Promise((r) => setImmediate(r));
      }
    };
    await new Promise((r) => setImmediate(r));
    expect(running).toBe(2);
    expect(gate.queued).toBe(8);
    await drain();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(2);
  });
});

describe("failed authentication limits", () => {
  it("a guessing attack never refuses the right key: 401 up to the per-key limit, then 429 for wrong secrets only", async () => {
    const victim = await createApiKey(
      cardrail.runtime.database.db,
      cardrail.runtime.hashKey,
      a.tenantId,
      "test",
    );
    // Successful requests are never counted.
    for (let i = 0; i < 30; i++) {
      const ok = await raw("/api/v1/wallet", {
        headers: { "x-api-key": victim.apiKey, "x-access-key": victim.accessKey },
      });
      expect(ok.status).toBe(200);
    }
    const bodies = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await raw("/api/v1/wallet", {
        headers: { "x-api-key": victim.apiKey, "x-access-key": `sk_test_guess${i}` },
      });
      expect(res.status).toBe(401);
      bodies.add(JSON.stringify({ ...res.body, requestId: null }));
    }
    expect(bodies.size).toBe(1);
    // Over the limit: a wrong secret is 429 with Retry-After…
    const guess = await raw("/api/v1/wallet", {
      headers: { "x-api-key": victim.apiKey, "x-access-key": "sk_test_guess-more" },
    });
    expect(guess.status).toBe(429);
    expect(guess.body.error.code).toBe("rate_limited");
    expect(Number(guess.headers.get("retry-after"))).toBeGreaterThan(0);
    // …and the right one still works, every time.
    for (let i = 0; i < 3; i++) {
      const right = await raw("/api/v1/wallet", {
        headers: { "x-api-key": victim.apiKey, "x-access-key": victim.accessKey },
      });
      expect(right.status, JSON.stringify(right.body)).toBe(200);
    }
    // An unknown key id is limited the same way: a 429 does not tell that an id exists.
    let last = 0;
    for (let i = 0; i < 21; i++) {
      last = (
        await raw("/api/v1/wallet", {
          headers: { "x-api-key": "dk_test_doesnotexist", "x-access-key": "sk_test_x" },
        })
      ).status;
    }
    expect(last).toBe(429);
    // Other keys from the same address are unaffected (below the per-address limit).
    expect((await a.api("/api/v1/wallet")).status).toBe(200);
  });
});

describe("key rotation", () => {
  it("issues a new pair for the same tenant and mode; the old key works during the overlap and not after", async () => {
    const db = cardrail.runtime.database.db;
    const hash = cardrail.runtime.hashKey;
    const old = await createApiKey(db, hash, b.tenantId, "test");
    const rotated = await rotateApiKey(db, hash, old.apiKey, 24 * 3_600_000);
    expect(rotated).toMatchObject({
      tenantId: b.tenantId,
      mode: "test",
      previousApiKey: old.apiKey,
    });
    if (!rotated) throw new Error("unreachable");
    for (const key of [old, rotated]) {
      const res = await raw("/api/v1/wallet", {
        headers: { "x-api-key": key.apiKey, "x-access-key": key.accessKey },
      });
      expect(res.status).toBe(200);
    }
    const later = new Date(Date.now() + 24 * 3_600_000 + 1000);
    expect(await authenticate(db, hash, old.apiKey, old.accessKey, later)).toBeNull();
    expect(await authenticate(db, hash, rotated.apiKey, rotated.accessKey, later)).not.toBeNull();

    // A second rotation never extends the first expiry; an overlap of 0 ends the old key now.
    const again = await rotateApiKey(db, hash, old.apiKey, 48 * 3_600_000);
    expect(again?.oldKeyExpiresAt.getTime()).toBe(rotated.oldKeyExpiresAt.getTime());
    await rotateApiKey(db, hash, old.apiKey, 0);
    const res = await raw("/api/v1/wallet", {
      headers: { "x-api-key": old.apiKey, "x-access-key": old.accessKey },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe("Invalid API credentials");
    expect(await rotateApiKey(db, hash, old.apiKey, 1000)).toBeNull();
  });
});

describe("reveal tokens", () => {
  it("mints a single-use token that a browser redeems without an API key, audited under the minting key", async () => {
    const minted = await revealable(a, aCard.uqpayCardId);
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    expect(minted.body).toEqual({
      success: true,
      token: expect.stringMatching(/^rvt_[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    const ttl = Date.parse(minted.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(minted.headers.get("cache-control")).toBe("no-store");

    const url = `/api/v1/cards/reveal?token=${encodeURIComponent(minted.body.token)}`;
    const first = await raw(url);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.body).toEqual({
      success: true,
      cardDetails: {
        card_id: aCard.uqpayCardId,
        card_number: expect.stringMatching(/^\d{16}$/),
        cvv: expect.stringMatching(/^\d{3}$/),
        expiry_date: expect.any(String),
      },
    });
    const second = await raw(url);
    expect(second.status).toBe(404);
    expect(second.body.error.code).toBe("not_found");

    const stored = await cardrail.runtime.database.db
      .selectFrom("reveal_tokens")
      .selectAll()
      .execute();
    expect(JSON.stringify(stored)).not.toContain(minted.body.token.slice(4));
    const audit = await listRevealAudit(cardrail.runtime.database.db, { cardId: aCard.cardId });
    expect(audit[0]).toMatchObject({
      via: "token",
      apiKeyId: a.headers["x-api-key"],
      tenantId: a.tenantId,
      clientIp: expect.any(String),
      requestId: first.body.requestId ?? expect.stringMatching(/^req_/),
    });
  });

  it("answers 404 for expired, unknown and malformed tokens, and for another tenant's or mode's card", async () => {
    const minted = await revealable(a, aCard.cardId);
    await cardrail.runtime.database.db
      .updateTable("reveal_tokens")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("redeemed_at", "is", null)
      .execute();
    const expired = await raw(`/api/v1/cards/reveal?token=${minted.body.token}`);
    expect(expired.status).toBe(404);
    for (const token of [`rvt_${"A".repeat(43)}`, "nope", "%00", "x".repeat(199)]) {
      const res = await raw(`/api/v1/cards/reveal?token=${encodeURIComponent(token)}`);
      expect(res.status, token).toBe(404);
    }
    expect((await raw("/api/v1/cards/reveal")).status).toBe(400);

    const aLive = await createApiKey(
      cardrail.runtime.database.db,
      cardrail.runtime.hashKey,
      a.tenantId,
      "live",
    );
    for (const headers of [
      b.headers,
      { "x-api-key": aLive.apiKey, "x-access-key": aLive.accessKey },
    ]) {
      for (const id of [aCard.cardId, aCard.uqpayCardId]) {
        const res = await raw(`/api/v1/cards/${id}/reveal-token`, { method: "POST", headers });
        expect(res.status, JSON.stringify(res.body)).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
    }
    // Minting needs a key; redeeming with a key is no different from without.
    expect(
      (await raw(`/api/v1/cards/${aCard.cardId}/reveal-token`, { method: "POST" })).status,
    ).toBe(401);
  });

  it("limits redemptions per client address", async () => {
    let status = 0;
    for (let i = 0; i < 40 && status !== 429; i++) {
      status = (await raw(`/api/v1/cards/reveal?token=rvt_${"B".repeat(43)}`)).status;
    }
    expect(status).toBe(429);
  });
});

// After the tests that expect 401s: the burst takes this address close to its own limit.
describe("failed authentication limits under concurrency", () => {
  it("holds in a burst: 60 concurrent wrong secrets get exactly 20 × 401, then 429", async () => {
    const victim = await createApiKey(
      cardrail.runtime.database.db,
      cardrail.runtime.hashKey,
      a.tenantId,
      "test",
    );
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        raw("/api/v1/wallet", {
          headers: { "x-api-key": victim.apiKey, "x-access-key": `sk_test_burst${i}` },
        }).then((res) => res.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    const right = await raw("/api/v1/wallet", {
      headers: { "x-api-key": victim.apiKey, "x-access-key": victim.accessKey },
    });
    expect(right.status).toBe(200);
  });
});

describe("per-address limit", () => {
  it("after 100 failures from one address, wrong keys from it get 429 and valid keys still work", async () => {
    let status = 0;
    for (let i = 0; i < 120 && status !== 429; i++) {
      status = (
        await raw("/api/v1/wallet", {
          headers: { "x-api-key": `dk_test_spray${i}`, "x-access-key": "sk_test_x" },
        })
      ).status;
    }
    expect(status).toBe(429);
    const wrong = await raw("/api/v1/wallet", {
      headers: { "x-api-key": "dk_test_spray-more", "x-access-key": "sk_test_x" },
    });
    expect(wrong.status).toBe(429);
    expect(wrong.headers.get("retry-after")).toMatch(/^\d+$/);
    // The tenant's healthy servers behind the same address are never refused.
    for (const tenant of [a, b]) expect((await tenant.api("/api/v1/wallet")).status).toBe(200);
  });
});
