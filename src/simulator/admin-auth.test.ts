import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { ADMIN, ADMIN_TOKEN, startSim } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => {
  await sim?.close();
});

describe("the admin API needs the admin token", () => {
  it("refuses every /__sim route without it or with a wrong one, and changes nothing", async () => {
    sim = await startSim();
    const before = (
      await sim.app.inject({ method: "GET", url: "/__sim/state", headers: ADMIN })
    ).json().balances.USD;
    const attempts = [
      {},
      { authorization: "Bearer wrong-token-wrong-token" },
      { authorization: ADMIN_TOKEN },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
      { authorization: `Basic ${ADMIN_TOKEN}` },
    ];
    for (const headers of attempts) {
      const fund = await sim.app.inject({
        method: "POST",
        url: "/__sim/balances",
        headers,
        payload: { currency: "USD", amount: 1000 },
      });
      expect(fund.statusCode).toBe(401);
      for (const [method, url] of [
        ["GET", "/__sim/state"],
        ["POST", "/__sim/reset"],
        ["POST", "/__sim/clock"],
        ["GET", "/__sim/webhooks"],
        ["POST", "/__sim/sub-accounts"],
        ["POST", "/__sim/cards/x/refund"],
      ] as const)
        expect((await sim.app.inject({ method, url, headers })).statusCode).toBe(401);
    }
    const after = (
      await sim.app.inject({ method: "GET", url: "/__sim/state", headers: ADMIN })
    ).json().balances.USD;
    expect(after).toBe(before);
  });

  it("answers with the right token", async () => {
    sim = await startSim();
    const fund = await sim.app.inject({
      method: "POST",
      url: "/__sim/balances",
      headers: ADMIN,
      payload: { currency: "USD", amount: 5 },
    });
    expect(fund.statusCode).toBe(200);
  });

  it("refuses to start with a short token", async () => {
    await expect(startSim({ adminToken: "short" })).rejects.toThrow(/adminToken/);
  });
});
