import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { isLuhnValid } from "./cardnumber.ts";
import {
  SIM_PRODUCT_DISABLED_49387520,
  SIM_PRODUCT_ENHANCED_46651711,
  SIM_PRODUCT_USD_40963608,
} from "./products.ts";
import { ADMIN, activeCard, client, holder, idCard, startSim } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => sim?.close());
const CARDS = "/api/v1/issuing/cards";

describe("card create", () => {
  it("creates PENDING/PROCESSING, then ACTIVE/SUCCESS with a card.create.succeeded webhook", async () => {
    sim = await startSim({ webhook: { url: "http://127.0.0.1:9/unused", secret: "s" } });
    const c = await client(sim);
    const ch = await c.post("/api/v1/issuing/cardholders", holder());
    const res = await c.post(CARDS, {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_USD_40963608,
      cardholder_id: ch.body.cardholder_id,
      card_limit: 100,
      metadata: { cardRef: "crd_123" },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual([
      "card_id",
      "card_order_id",
      "card_status",
      "create_time",
      "order_status",
    ]);
    expect(res.body).toMatchObject({ card_status: "PENDING", order_status: "PROCESSING" });
    expect((await c.get(`${CARDS}/${res.body.card_id}`)).body.card_status).toBe("PENDING");
    sim.flush();
    const card = await c.get(`${CARDS}/${res.body.card_id}`);
    expect(card.body).toMatchObject({
      card_status: "ACTIVE",
      card_bin: "40963608",
      no_pin_payment_amount: "2000USD",
      consumed_amount: "0.00",
      metadata: { cardRef: "crd_123" },
      card_limit: 100,
    });
    expect(card.body.card_number).toMatch(/^\*{12}\d{4}$/);
    expect(card.body.cardholder.cardholder_id).toBe(ch.body.cardholder_id);
    const order = await c.get(`${CARDS}/${res.body.card_order_id}/order`);
    expect(order.body).toMatchObject({
      order_status: "SUCCESS",
      order_type: "CARD_CREATE",
      card_id: res.body.card_id,
    });
    const byCard = await c.get(`${CARDS}/${res.body.card_id}/order`);
    expect(byCard.body.card_order_id).toBe(res.body.card_order_id);
    const hook = sim.ctx.webhooks.events.find((e) => e.event_type === "card.create.succeeded");
    expect(hook?.source_id).toBe(res.body.card_order_id);
    expect(hook?.data.card_number).toMatch(/^40963608\*{4}\d{4}$/);
  });

  it("returns secure details: Luhn-valid PAN on the BIN, 3-digit CVV, MM/YY three years ahead", async () => {
    sim = await startSim({ now: () => Date.UTC(2026, 10, 22) });
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c);
    const secure = await c.get(`${CARDS}/${cardId}/secure`);
    expect(Object.keys(secure.body).sort()).toEqual(["card_number", "cvv", "expire_date"]);
    expect(secure.body.card_number).toMatch(/^40963608\d{8}$/);
    expect(isLuhnValid(secure.body.card_number)).toBe(true);
    expect(secure.body.cvv).toMatch(/^\d{3}$/);
    expect(secure.body.expire_date).toBe("11/29");
    const card = await c.get(`${CARDS}/${cardId}`);
    expect(card.body.card_number.slice(-4)).toBe(secure.body.card_number.slice(-4));
  });

  it("is reproducible by seed", async () => {
    const pans: string[] = [];
    for (let i = 0; i < 2; i++) {
      sim = await startSim({ seed: 7 });
      const c = await client(sim);
      const { cardId } = await activeCard(sim, c);
      pans.push((await c.get(`${CARDS}/${cardId}/secure`)).body.card_number);
      await sim.close();
    }
    expect(pans[0]).toBe(pans[1]);
  });

  const rules: [
    string,
    (ids: { ch: string; pending: string }) => Record<string, unknown>,
    string,
    string,
  ][] = [
    [
      "currency not in product",
      ({ ch }) => ({
        card_currency: "SGD",
        card_product_id: SIM_PRODUCT_USD_40963608,
        cardholder_id: ch,
      }),
      "invalid_request_error",
      "card_currency",
    ],
    [
      "unknown product",
      ({ ch }) => ({ card_currency: "USD", card_product_id: "nope", cardholder_id: ch }),
      "account_error",
      "product_not_found",
    ],
    [
      "disabled product",
      ({ ch }) => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_DISABLED_49387520,
        cardholder_id: ch,
      }),
      "account_error",
      "product_disabled",
    ],
    [
      "unknown cardholder",
      () => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_USD_40963608,
        cardholder_id: "nope",
      }),
      "cardholder_error",
      "cardholder_not_found",
    ],
    [
      "cardholder not SUCCESS",
      ({ pending }) => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_USD_40963608,
        cardholder_id: pending,
      }),
      "cardholder_error",
      "kyc_insufficient",
    ],
    [
      "ENHANCED product, SIMPLIFIED cardholder",
      ({ ch }) => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_ENHANCED_46651711,
        cardholder_id: ch,
      }),
      "cardholder_error",
      "kyc_insufficient",
    ],
    [
      "negative card_limit",
      ({ ch }) => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_USD_40963608,
        cardholder_id: ch,
        card_limit: -1,
      }),
      "invalid_request_error",
      "card_limit",
    ],
    [
      "metadata over 3200 bytes",
      ({ ch }) => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_USD_40963608,
        cardholder_id: ch,
        metadata: { x: "y".repeat(3200) },
      }),
      "invalid_request_error",
      "metadata",
    ],
    [
      "metadata not an object",
      ({ ch }) => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_USD_40963608,
        cardholder_id: ch,
        metadata: "x",
      }),
      "invalid_request_error",
      "metadata",
    ],
    [
      "ONE_TIME without trigger",
      ({ ch }) => ({
        card_currency: "USD",
        card_product_id: SIM_PRODUCT_USD_40963608,
        cardholder_id: ch,
        usage_type: "ONE_TIME",
      }),
      "invalid_request_error",
      "auto_cancel_trigger",
    ],
  ];
  for (const [name, body, type, needle] of rules) {
    it(`rejects ${name}`, async () => {
      sim = await startSim();
      const c = await client(sim);
      const ch = await c.post("/api/v1/issuing/cardholders", holder());
      const pending = await c.post(
        "/api/v1/issuing/cardholders",
        holder({ identity: idCard("REVIEW-1") }),
      );
      const res = await c.post(
        CARDS,
        body({ ch: ch.body.cardholder_id, pending: pending.body.cardholder_id }),
      );
      expect(res.status).toBe(400);
      expect(res.body.type).toBe(type);
      expect(`${res.body.code} ${res.body.message}`).toContain(needle);
      expect(sim.ctx.state.cards.size).toBe(0);
    });
  }

  it("SINGLE mode moves card_limit out of the issuing balance and refuses more than the balance", async () => {
    sim = await startSim({ initialBalances: { USD: 1000, SGD: 0 } });
    const c = await client(sim);
    const ch = await c.post(
      "/api/v1/issuing/cardholders",
      holder({
        nationality: "SG",
        residential_address: { country: "SG", city: "Singapore", line1: "1 Main St" },
        identity: idCard("S7"),
        kyc_verification: {
          method: "THIRD_PARTY",
          kyc_proof: { provider: "SUMSUB", reference_id: "ref-0000000001" },
        },
      }),
    );
    sim.flush();
    const base = {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_id: ch.body.cardholder_id,
    };
    const tooMuch = await c.post(CARDS, { ...base, card_limit: 1000.01 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.type).toBe("account_error");
    const ok = await c.post(CARDS, { ...base, card_limit: 400 });
    expect(ok.status).toBe(201);
    expect(
      (await c.post("/api/v1/issuing/balances", { currency: "USD" })).body.available_balance,
    ).toBe(600);
    sim.flush();
    const rc = await c.post(`${CARDS}/${ok.body.card_id}/recharge`, { amount: 100 });
    expect(rc.body).toMatchObject({ order_type: "CARD_RECHARGE", amount: 100 });
    const wd = await c.post(`${CARDS}/${ok.body.card_id}/withdraw`, { amount: 50 });
    expect(wd.body.order_type).toBe("CARD_WITHDRAW");
    expect((await c.get(`${CARDS}/${ok.body.card_id}`)).body.available_balance).toBe(450);
    expect(
      (await c.post("/api/v1/issuing/balances", { currency: "USD" })).body.available_balance,
    ).toBe(550);
    const over = await c.post(`${CARDS}/${ok.body.card_id}/withdraw`, { amount: 451 });
    expect(over.status).toBe(400);
    // SINGLE card_limit cannot be updated
    const upd = await c.post(`${CARDS}/${ok.body.card_id}`, { card_limit: 5 });
    expect(upd.status).toBe(400);
  });

  it("supports one-step mode with cardholder_required_fields", async () => {
    sim = await startSim();
    const c = await client(sim);
    const res = await c.post(CARDS, {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_USD_40963608,
      cardholder_required_fields: holder(),
    });
    expect(res.status).toBe(201);
    expect(res.body.cardholder_created).toBe(true);
    sim.flush();
    expect((await c.get(`${CARDS}/${res.body.card_id}`)).body.card_status).toBe("ACTIVE");
    const review = await c.post(CARDS, {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_USD_40963608,
      cardholder_required_fields: holder({ identity: idCard("REJECT-2") }),
    });
    expect(review.body.verification_status).toBe("UNDER_REVIEW");
    sim.flush();
    expect((await c.get(`${CARDS}/${review.body.card_id}`)).body.card_status).toBe("FAILED");
  });
});

describe("card management", () => {
  it("updates, freezes, unfreezes and cancels via PRE_CANCEL with webhooks", async () => {
    sim = await startSim({ webhook: { url: "http://127.0.0.1:9/unused", secret: "s" } });
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c);
    const upd = await c.post(`${CARDS}/${cardId}`, {
      card_limit: 50,
      metadata: { a: 1 },
      spending_controls: [{ amount: 20, interval: "PER_TRANSACTION" }],
    });
    expect(Object.keys(upd.body).sort()).toEqual([
      "card_id",
      "card_order_id",
      "card_status",
      "order_status",
    ]);
    const frozen = await c.post(`${CARDS}/${cardId}/status`, {
      card_status: "FROZEN",
      update_reason: "lost phone",
    });
    expect(frozen.body).toMatchObject({
      card_id: cardId,
      order_status: "PENDING",
      update_reason: "lost phone",
    });
    expect((await c.get(`${CARDS}/${cardId}`)).body.card_status).toBe("FROZEN");
    // Its webhook is out, so reading the order back (recovery) agrees: SUCCESS, not PENDING.
    const hook = sim.ctx.webhooks.events.find(
      (e) => e.event_type === "card.status.update.succeeded",
    );
    expect(hook?.source_id).toBe(frozen.body.card_order_id);
    expect((await c.get(`${CARDS}/${frozen.body.card_order_id}/order`)).body.order_status).toBe(
      "SUCCESS",
    );
    expect((await c.post(`${CARDS}/${cardId}/status`, { card_status: "FROZEN" })).status).toBe(400);
    await c.post(`${CARDS}/${cardId}/status`, { card_status: "ACTIVE" });
    await c.post(`${CARDS}/${cardId}/status`, { card_status: "CANCELLED" });
    expect((await c.get(`${CARDS}/${cardId}`)).body.card_status).toBe("PRE_CANCEL");
    sim.flush();
    const card = await c.get(`${CARDS}/${cardId}`);
    expect(card.body).toMatchObject({
      card_status: "CANCELLED",
      card_limit: 50,
      metadata: { a: 1 },
    });
    expect((await c.post(`${CARDS}/${cardId}/status`, { card_status: "ACTIVE" })).status).toBe(400);
    const types = sim.ctx.webhooks.events.map((e) => e.event_type);
    expect(types).toContain("card.update.succeeded");
    expect(types.filter((t) => t === "card.status.update.succeeded")).toHaveLength(4);
  });

  it("lists with filters and issues iframe tokens", async () => {
    sim = await startSim();
    const c = await client(sim);
    const a = await activeCard(sim, c);
    await activeCard(sim, c);
    const pan = (await c.get(`${CARDS}/${a.cardId}/secure`)).body.card_number;
    expect((await c.get(CARDS)).body.total_items).toBe(2);
    const byHolder = await c.get(`${CARDS}?cardholder_id=${a.cardholderId}`);
    expect(byHolder.body.data.map((x: { card_id: string }) => x.card_id)).toEqual([a.cardId]);
    expect(Object.keys(byHolder.body.data[0].cardholder).sort()).toEqual([
      "cardholder_id",
      "cardholder_status",
      "create_time",
      "email",
      "first_name",
      "last_name",
    ]);
    expect((await c.get(`${CARDS}?card_number=${pan}`)).body.total_items).toBe(1);
    expect((await c.get(`${CARDS}?card_status=FROZEN`)).body.total_items).toBe(0);
    const tok = await c.post(`${CARDS}/${a.cardId}/token`, {});
    expect(tok.body).toMatchObject({ expires_in: 60 });
    expect(typeof tok.body.token).toBe("string");
  });

  it("answers 403 on secure details without PCI permission", async () => {
    sim = await startSim();
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c);
    await sim.app.inject({
      method: "PUT",
      url: "/__sim/settings",
      headers: ADMIN,
      payload: { securePermission: false },
    });
    const res = await c.get(`${CARDS}/${cardId}/secure`);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: "unauthorized_error", code: "forbidden" });
  });
});
