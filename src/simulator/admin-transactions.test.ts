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
