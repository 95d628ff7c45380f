import { afterEach, describe, expect, it } from "vitest";
import { parseWebhookEvent } from "../issuer/uqpay/webhook-events.ts";
import type { Simulator } from "./app.ts";
import { SIM_PRODUCT_USD_40963608, SIM_PRODUCT_USD_SINGLE_40963608 } from "./products.ts";
import { ADMIN, activeCard, client, startSim } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => {
  await sim?.close();
});

const admin = (url: string, payload: Record<string, unknown> = {}) =>
  sim.app.inject({ method: "POST", url, payload, headers: ADMIN });

describe("admin settlement, refund and fee transactions", () => {
  for (const product of [SIM_PRODUCT_USD_SINGLE_40963608, SIM_PRODUCT_USD_40963608]) {
    it(`settle/refund/fee move money and send webhooks (${product.endsWith("a01-000040963608") ? "SINGLE" : "SHARE"})`, async () => {
      sim = await startSim();
      const c = await client(sim);
      const { cardId } = await activeCard(sim, c, { card_product_id: product, card_limit: 100 });
      const bal = async () =>
        Number((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.available_balance);
      const auth = await c.post("/api/v1/simulation/issuing/authorization", {
        card_id: cardId,
        transaction_amount: 10,
        transaction_currency: "USD",
        merchant_name: "Shop",
        merchant_category_code: "5734",
      });
      expect(await bal()).toBe(90);
      // Settles for 8: 2 come back.
      const settle = await admin(`/__sim/transactions/${auth.body.transaction_id}/settle`, {
        amount: 8,
      });
      expect(settle.statusCode).toBe(200);
      expect(await bal()).toBe(92);
      expect(
        (await admin(`/__sim/transactions/${auth.body.transaction_id}/settle`)).statusCode,
      ).toBe(400);
      const rev = await c.post("/api/v1/simulation/issuing/reversal", {
        transaction_id: auth.body.transaction_id,
      });
      expect(rev.status).toBe(400);
      expect((await admin(`/__sim/cards/${cardId}/refund`, { amount: 5 })).statusCode).toBe(200);
      expect(await bal()).toBe(97);
      expect(
        (await admin(`/__sim/cards/${cardId}/fee`, { amount: 1.5, remark: "3DS Fee" })).statusCode,
      ).toBe(200);
      expect(await bal()).toBe(95.5);
      const settled = (await c.get(`/api/v1/issuing/transactions/${settle.json().transaction_id}`))
        .body;
      expect(settled).toMatchObject({
        transaction_type: "SETTLEMENT DEBIT",
        original_transaction_id: auth.body.transaction_id,
        billing_amount: 8,
      });
      const types = sim.ctx.webhooks.events.map((e) => e.event_type);
      for (const t of [
        "issuing.transaction.settlement.debit",
        "issuing.transaction.refund",
        "issuing.fee.card",
      ])
        expect(types).toContain(t);
      for (const e of sim.ctx.webhooks.events)
        expect(parseWebhookEvent(JSON.stringify(e)).known, e.event_type).toBe(true);
    });
  }

  it("refuses unknown ids and bad amounts", async () => {
    sim = await startSim();
    expect((await admin("/__sim/transactions/nope/settle")).statusCode).toBe(400);
    expect((await admin("/__sim/cards/nope/refund", { amount: 1 })).statusCode).toBe(400);
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c);
    for (const amount of [0, -1, 1.001, "x"])
      expect((await admin(`/__sim/cards/${cardId}/fee`, { amount })).statusCode).toBe(400);
  });
});

describe("admin refund of a purchase", () => {
  it("refunds an authorization or its settlement, up to what is left, once in total", async () => {
    sim = await startSim();
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c, { card_limit: 100 });
    const bal = async () =>
      Number((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.available_balance);
    const auth = await c.post("/api/v1/simulation/issuing/authorization", {
      card_id: cardId,
      transaction_amount: 30,
      transaction_currency: "USD",
      merchant_name: "Shop",
      merchant_category_code: "5734",
    });
    const authId = auth.body.transaction_id as string;
    const settle = await admin(`/__sim/transactions/${authId}/settle`, { amount: 20 });
    const settlementId = settle.json().transaction_id as string;
    expect(await bal()).toBe(80);
    const part = await admin(`/__sim/transactions/${settlementId}/refund`, { amount: 5 });
    expect(part.statusCode).toBe(200);
    expect(await bal()).toBe(85);
    // Beyond what is left of the settled 20 (15), through either id: refused.
    expect((await admin(`/__sim/transactions/${authId}/refund`, { amount: 16 })).statusCode).toBe(
      400,
    );
    const rest = await admin(`/__sim/transactions/${authId}/refund`);
    expect(rest.statusCode).toBe(200);
    expect(await bal()).toBe(100);
    expect((await admin(`/__sim/transactions/${settlementId}/refund`)).statusCode).toBe(400);
    const refund = (await c.get(`/api/v1/issuing/transactions/${rest.json().transaction_id}`)).body;
    expect(refund).toMatchObject({
      transaction_type: "REFUND",
      transaction_status: "APPROVED",
      original_transaction_id: authId,
      billing_amount: 15,
      merchant_data: { name: "Shop", category_code: "5734" },
    });
    const hooks = sim.ctx.webhooks.events.filter(
      (e) => e.event_type === "issuing.transaction.refund",
    );
    expect(hooks).toHaveLength(2);
  });

  it("refuses a reversed authorization and a declined one", async () => {
    sim = await startSim();
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c, { card_limit: 10 });
    const authorize = (amount: number) =>
      c.post("/api/v1/simulation/issuing/authorization", {
        card_id: cardId,
        transaction_amount: amount,
        transaction_currency: "USD",
        merchant_name: "Shop",
        merchant_category_code: "5734",
      });
    const reversed = await authorize(1);
    await c.post("/api/v1/simulation/issuing/reversal", {
      transaction_id: reversed.body.transaction_id,
    });
    expect(
      (await admin(`/__sim/transactions/${reversed.body.transaction_id}/refund`)).statusCode,
    ).toBe(400);
    const declined = await authorize(100);
    expect(declined.body.transaction_status).toBe("DECLINED");
    expect(
      (await admin(`/__sim/transactions/${declined.body.transaction_id}/refund`)).statusCode,
    ).toBe(400);
  });
});
