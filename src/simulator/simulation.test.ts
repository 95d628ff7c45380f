import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { SIM_PRODUCT_ENHANCED_46651711 } from "./products.ts";
import { ADMIN, activeCard, client, holder, idCard, startSim } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => sim?.close());
const AUTH = "/api/v1/simulation/issuing/authorization";
const auth = (card_id: string, amount: number) => ({
  card_id,
  transaction_amount: amount,
  transaction_currency: "USD",
  merchant_name: "Test Shop",
  merchant_category_code: 5734,
});

describe("balances", () => {
  it("lists balances, retrieves one by POST and keeps a ledger", async () => {
    sim = await startSim({ initialBalances: { USD: 1000 } });
    const c = await client(sim);
    const list = await c.get("/api/v1/issuing/balances");
    expect(list.body).toMatchObject({ total_items: 1, total_pages: 1 });
    expect(list.body.data[0]).toMatchObject({
      currency: "USD",
      available_balance: 1000,
      balance_status: "ACTIVE",
    });
    expect(
      (await c.post("/api/v1/issuing/balances", { currency: "USD" })).body.available_balance,
    ).toBe(1000);
    const txs = await c.get("/api/v1/issuing/balances/transactions?transaction_type=DEPOSIT");
    expect(txs.body.data[0]).toMatchObject({
      transaction_type: "DEPOSIT",
      amount: 1000,
      ending_balance: 1000,
    });
    const wide = await c.get(
      "/api/v1/issuing/balances/transactions?start_time=2026-01-01T00:00:00%2B08:00&end_time=2026-06-01T00:00:00%2B08:00",
    );
    expect(wide.status).toBe(400);
  });
});

describe("simulated authorizations", () => {
  it("approves, debits the shared balance, and reverses", async () => {
    sim = await startSim({
      initialBalances: { USD: 1000 },
      webhook: { url: "http://127.0.0.1:9/x", secret: "s" },
    });
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c, { card_limit: 100 });
    const a = await c.post(AUTH, auth(cardId, 40));
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      transaction_status: "APPROVED",
      transaction_type: "AUTHORIZATION",
      card_available_balance: 60,
    });
    expect(a.body.card_number).toMatch(/^\*{12}\d{4}$/);
    const card = await c.get(`/api/v1/issuing/cards/${cardId}`);
    expect(card.body).toMatchObject({ consumed_amount: "40.00", available_balance: 60 });
    expect(
      (await c.post("/api/v1/issuing/balances", { currency: "USD" })).body.available_balance,
    ).toBe(960);
    const list = await c.get(`/api/v1/issuing/transactions?card_id=${cardId}`);
    expect(list.body.total_items).toBe(1);
    const r = await c.post("/api/v1/simulation/issuing/reversal", {
      transaction_id: a.body.transaction_id,
    });
    expect(r.body).toMatchObject({ transaction_type: "REVERSAL", card_available_balance: 100 });
    expect(
      (
        await c.post("/api/v1/simulation/issuing/reversal", {
          transaction_id: a.body.transaction_id,
        })
      ).status,
    ).toBe(400);
    const hooks = sim.ctx.webhooks.events.map((e) => e.event_type);
    expect(hooks).toContain("issuing.transaction.authorization");
    expect(hooks).toContain("issuing.transaction.reversal");
  });

  it("declines when the available balance does not exceed the amount, or the card is frozen", async () => {
    sim = await startSim();
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c, { card_limit: 50 });
    expect((await c.post(AUTH, auth(cardId, 50))).body.transaction_status).toBe("DECLINED");
    await c.post(`/api/v1/issuing/cards/${cardId}/status`, { card_status: "FROZEN" });
    expect((await c.post(AUTH, auth(cardId, 1))).body.transaction_status).toBe("DECLINED");
  });

  it("rejects other BINs, and other MCCs only when told to be UQPay's sandbox", async () => {
    sim = await startSim();
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c, { card_limit: 50 });
    const grocery = await c.post(AUTH, {
      ...auth(cardId, 1),
      merchant_category_code: "5411",
      merchant_city: "Paris",
      merchant_country: "FR",
    });
    expect(grocery.status).toBe(200);
    expect(grocery.body).toMatchObject({
      transaction_status: "APPROVED",
      merchant_data: { category_code: "5411", city: "Paris", country: "FR" },
    });
    expect((await c.post(AUTH, { ...auth(cardId, 1), merchant_category_code: "54" })).status).toBe(
      400,
    );
    expect((await c.post(AUTH, { ...auth(cardId, 1), merchant_country: "France" })).status).toBe(
      400,
    );
    const strict = await sim.app.inject({
      method: "PUT",
      url: "/__sim/settings",
      headers: ADMIN,
      payload: { sandboxMccOnly: true },
    });
    expect(strict.json()).toMatchObject({ sandboxMccOnly: true });
    const refused = await c.post(AUTH, { ...auth(cardId, 1), merchant_category_code: "5411" });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/only 5734/);
    expect((await c.post(AUTH, auth(cardId, 1))).body.transaction_status).toBe("APPROVED");
    const ch = await c.post(
      "/api/v1/issuing/cardholders",
      holder({
        nationality: "SG",
        residential_address: { country: "SG", city: "Singapore", line1: "1 Main St" },
        identity: idCard("S1"),
        kyc_verification: {
          method: "THIRD_PARTY",
          kyc_proof: { provider: "SUMSUB", reference_id: "ref-1234567890" },
        },
      }),
    );
    sim.flush();
    const other = await c.post("/api/v1/issuing/cards", {
      card_currency: "SGD",
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_id: ch.body.cardholder_id,
      card_limit: 10,
    });
    sim.flush();
    const res = await c.post(AUTH, auth(other.body.card_id, 1));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Card does not exists");
  });

  it("takes sandboxMccOnly as an option", async () => {
    sim = await startSim({ sandboxMccOnly: true });
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c, { card_limit: 50 });
    expect(
      (await c.post(AUTH, { ...auth(cardId, 1), merchant_category_code: "5411" })).status,
    ).toBe(400);
  });

  it("declines by rule, each with its own reason, a transaction and a webhook", async () => {
    sim = await startSim();
    const c = await client(sim);
    const card = async (extra: Record<string, unknown> = {}) =>
      (await activeCard(sim, c, { card_limit: 50, ...extra })).cardId;
    const declined = async (cardId: string, amount: number, mcc = "5734") => {
      const res = await c.post(AUTH, { ...auth(cardId, amount), merchant_category_code: mcc });
      expect(res.status).toBe(200);
      expect(res.body.transaction_status).toBe("DECLINED");
      return res.body.failure_reason as string;
    };
    expect(await declined(await card(), 50)).toBe("1116 - Insufficient Funds");
    const limited = await card({
      spending_controls: [{ amount: 20, interval: "PER_TRANSACTION" }],
    });
    expect(await declined(limited, 20.01)).toBe("1061 - Exceeds Per Transaction Limit");
    expect((await c.post(AUTH, auth(limited, 20))).body.transaction_status).toBe("APPROVED");
    const blocked = await card({ risk_controls: { blocked_mcc: ["7995"] } });
    expect(await declined(blocked, 1, "7995")).toBe("1057 - Merchant Category Not Allowed");
    const frozen = await card();
    await c.post(`/api/v1/issuing/cards/${frozen}/status`, { card_status: "FROZEN" });
    expect(await declined(frozen, 1)).toBe("1014 - Card Frozen");
    const cancelled = await card();
    await c.post(`/api/v1/issuing/cards/${cancelled}/status`, { card_status: "CANCELLED" });
    expect(await declined(cancelled, 1)).toBe("1015 - Card Cancelled");
    sim.flush();
    expect((await c.get(`/api/v1/issuing/cards/${cancelled}`)).body.card_status).toBe("CANCELLED");
    expect(await declined(cancelled, 1)).toBe("1015 - Card Cancelled");
    const list = await c.get(`/api/v1/issuing/transactions?card_id=${cancelled}`);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data[0]).toMatchObject({
      transaction_status: "DECLINED",
      description: "1015 - Card Cancelled",
    });
    const hooks = sim.ctx.webhooks.events.filter(
      (e) => e.event_type === "issuing.transaction.authorization",
    );
    expect(hooks.filter((e) => e.data.transaction_status === "DECLINED")).toHaveLength(6);
  });
});

describe("ONE_TIME cards", () => {
  it("cancel themselves after the first approved authorization", async () => {
    sim = await startSim();
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c, {
      card_limit: 50,
      usage_type: "ONE_TIME",
      auto_cancel_trigger: "ON_AUTH",
    });
    expect((await c.post(AUTH, auth(cardId, 10))).body.transaction_status).toBe("APPROVED");
    expect((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.card_status).toBe("PRE_CANCEL");
    sim.flush();
    expect((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.card_status).toBe("CANCELLED");
    expect((await c.post(`/api/v1/issuing/cards/${cardId}/recharge`, { amount: 1 })).status).toBe(
      400,
    );
  });
});

describe("admin", () => {
  it("summarises, funds and resets state", async () => {
    sim = await startSim();
    const c = await client(sim);
    await activeCard(sim, c);
    const fund = await sim.app.inject({
      method: "POST",
      url: "/__sim/balances",
      headers: ADMIN,
      payload: { currency: "HKD", amount: 50 },
    });
    expect(fund.json()).toMatchObject({ HKD: 50 });
    const state = (
      await sim.app.inject({ method: "GET", url: "/__sim/state", headers: ADMIN })
    ).json();
    expect(state).toMatchObject({ cardholders: 1, cards: 1, cardsByStatus: { ACTIVE: 1 } });
    const reset = (
      await sim.app.inject({ method: "POST", url: "/__sim/reset", headers: ADMIN })
    ).json();
    expect(reset).toMatchObject({
      cardholders: 0,
      cards: 0,
      balances: { USD: 10_000_000, SGD: 10_000_000 },
    });
  });
});
