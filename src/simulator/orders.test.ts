/** Failure paths of card orders: fail_after_success on update/status/recharge/withdraw. */
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { SIM_PRODUCT_USD_40963608, SIM_PRODUCT_USD_SINGLE_40963608 } from "./products.ts";
import { activeCard, type Client, client, startSim } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => {
  await sim?.close();
});

async function setup(product = SIM_PRODUCT_USD_SINGLE_40963608) {
  sim = await startSim();
  const c = await client(sim);
  const { cardId } = await activeCard(sim, c, { card_product_id: product, card_limit: 100 });
  return { c, cardId };
}
const usd = async (c: Client) =>
  Number((await c.post("/api/v1/issuing/balances", { currency: "USD" })).body.available_balance);
const failNext = (route: string) =>
  sim.ctx.faults.add({
    route: `POST /api/v1/issuing/cards/:id${route}`,
    kind: "fail_after_success",
    count: 1,
  });
const events = (type: string) => sim.ctx.webhooks.events.filter((e) => e.event_type === type);

describe("failing card orders", () => {
  for (const kind of ["recharge", "withdraw"] as const) {
    it(`${kind}: answers normally, then the order FAILS, money goes back, card.${kind}.failed`, async () => {
      const { c, cardId } = await setup();
      const before = {
        usd: await usd(c),
        card: (await c.get(`/api/v1/issuing/cards/${cardId}`)).body,
      };
      failNext(`/${kind}`);
      const res = await c.post(`/api/v1/issuing/cards/${cardId}/${kind}`, { amount: 30 });
      expect(res.status).toBe(200);
      expect(res.body.order_status).toBe("PROCESSING");
      sim.flush();
      const order = await c.get(`/api/v1/issuing/cards/${res.body.card_order_id}/order`);
      expect(order.body.order_status).toBe("FAILED");
      const after = (await c.get(`/api/v1/issuing/cards/${cardId}`)).body;
      expect(after.available_balance).toBe(before.card.available_balance);
      expect(after.card_limit).toBe(before.card.card_limit);
      expect(await usd(c)).toBeCloseTo(before.usd, 2);
      const hook = events(`card.${kind}.failed`);
      expect(hook).toHaveLength(1);
      expect(hook[0]?.source_id).toBe(res.body.card_order_id);
      expect(hook[0]?.data).toMatchObject({
        amount: "30",
        order_status: "FAILED",
        card_available_balance: "100",
      });
      expect(events(`card.${kind}.succeeded`)).toHaveLength(0);
      // The next one succeeds.
      const ok = await c.post(`/api/v1/issuing/cards/${cardId}/${kind}`, { amount: 30 });
      sim.flush();
      expect(
        (await c.get(`/api/v1/issuing/cards/${ok.body.card_order_id}/order`)).body.order_status,
      ).toBe("SUCCESS");
    });
  }

  it("status: the card keeps its status and card.status.update.failed is sent", async () => {
    const { c, cardId } = await setup(SIM_PRODUCT_USD_40963608);
    failNext("/status");
    const res = await c.post(`/api/v1/issuing/cards/${cardId}/status`, { card_status: "FROZEN" });
    expect(res.status).toBe(200);
    expect(res.body.order_status).toBe("PENDING");
    sim.flush();
    expect((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.card_status).toBe("ACTIVE");
    expect(
      (await c.get(`/api/v1/issuing/cards/${res.body.card_order_id}/order`)).body.order_status,
    ).toBe("FAILED");
    const failed = events("card.status.update.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ card_id: cardId, card_status: "ACTIVE" });
    expect(events("card.status.update.succeeded")).toHaveLength(0);
  });

  it("cancel that fails: no PRE_CANCEL, no refund later", async () => {
    const { c, cardId } = await setup();
    const before = await usd(c);
    failNext("/status");
    await c.post(`/api/v1/issuing/cards/${cardId}/status`, { card_status: "CANCELLED" });
    sim.flush();
    expect((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.card_status).toBe("ACTIVE");
    expect(await usd(c)).toBeCloseTo(before, 2);
  });

  it("update: the fields are restored and card.update.failed is sent", async () => {
    const { c, cardId } = await setup(SIM_PRODUCT_USD_40963608);
    failNext("");
    const res = await c.post(`/api/v1/issuing/cards/${cardId}`, {
      card_limit: 42,
      metadata: { a: 1 },
    });
    expect(res.status).toBe(200);
    sim.flush();
    const card = (await c.get(`/api/v1/issuing/cards/${cardId}`)).body;
    expect(card.card_limit).toBe(100);
    expect(card.metadata).toEqual({});
    const failed = events("card.update.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ order_status: "failed", card_limit: "100" });
  });

  it("withdrawing more than the card holds is refused at once (400 card_error), nothing moves", async () => {
    const { c, cardId } = await setup();
    const before = await usd(c);
    const res = await c.post(`/api/v1/issuing/cards/${cardId}/withdraw`, { amount: 100.01 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: "card_error", code: "insufficient_card_balance" });
    expect(await usd(c)).toBeCloseTo(before, 2);
  });

  it("recharging a SINGLE card beyond the issuing balance is refused (400 account_error)", async () => {
    const { c, cardId } = await setup();
    const res = await c.post(`/api/v1/issuing/cards/${cardId}/recharge`, { amount: 1e9 });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe("account_error");
  });
});

describe("elevate_limit and activate", () => {
  it("elevate_limit: SHARE only, capped, applied on completion; a failing order keeps the limit", async () => {
    const { c, cardId } = await setup(SIM_PRODUCT_USD_40963608);
    const ok = await c.post(`/api/v1/issuing/cards/${cardId}/elevate_limit`, { amount: "800" });
    expect(ok.status).toBe(200);
    sim.flush();
    expect((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.card_limit).toBe(800);
    failNext("/elevate_limit");
    await c.post(`/api/v1/issuing/cards/${cardId}/elevate_limit`, { card_limit: 900 });
    sim.flush();
    expect((await c.get(`/api/v1/issuing/cards/${cardId}`)).body.card_limit).toBe(800);
    expect(events("card.elevate_limit.failed")[0]?.source_id).toBe(cardId);
    for (const body of [{}, { card_limit: 80_001 }, { card_limit: -1 }])
      expect((await c.post(`/api/v1/issuing/cards/${cardId}/elevate_limit`, body)).status).toBe(
        400,
      );
    await sim.close();
    const single = await setup();
    expect(
      (
        await single.c.post(`/api/v1/issuing/cards/${single.cardId}/elevate_limit`, {
          card_limit: 10,
        })
      ).status,
    ).toBe(400);
  });

  it("activate: validates the body, refuses virtual cards, 404-style card_error for unknown ids", async () => {
    const { c, cardId } = await setup(SIM_PRODUCT_USD_40963608);
    const bad = await c.post("/api/v1/issuing/cards/activate", {
      card_id: cardId,
      activation_code: "A",
      pin: "12",
    });
    expect(bad.body).toMatchObject({ type: "invalid_request_error" });
    const virt = await c.post("/api/v1/issuing/cards/activate", {
      card_id: cardId,
      activation_code: "A",
      pin: "123456",
    });
    expect(virt.status).toBe(400);
    expect(virt.body).toMatchObject({ type: "card_error", code: "card_not_activatable" });
    const unknown = await c.post("/api/v1/issuing/cards/activate", {
      card_id: "nope",
      activation_code: "A",
      pin: "123456",
    });
    expect(unknown.body).toMatchObject({ code: "card_not_found" });
  });
});
