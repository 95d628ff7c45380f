import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSimulator, type Simulator } from "../../simulator/app.ts";
import { createUqpayClient, type UqpayClient } from "./client.ts";
import { parseWebhookEvent, type UqpayWebhookEvent } from "./webhook-events.ts";
import { verifyWebhookSignature } from "./webhook-signature.ts";

/**
 * The whole Card Issuance flow as an outside client sees it, over real HTTP, with no simulator
 * shortcuts (no flush(), no admin calls): every asynchronous step is awaited by polling the API,
 * exactly as against the real sandbox. A local receiver verifies every webhook's signature with
 * verifyWebhookSignature on the raw body and parses it with parseWebhookEvent.
 */
const SECRET = "whsec-flow-test";
let sim: Simulator;
let receiver: Server;
let client: UqpayClient;
const received: { event: UqpayWebhookEvent; headers: IncomingHttpHeaders }[] = [];
const rejected: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const v = verifyWebhookSignature({
        rawBody: raw,
        timestampHeader: req.headers["x-wk-timestamp"] as string | undefined,
        signatureHeader: req.headers["x-wk-signature"] as string | undefined,
        secret: SECRET,
      });
      if (!v.ok) {
        rejected.push(v.reason);
        res.statusCode = 401;
        return res.end();
      }
      try {
        received.push({ event: parseWebhookEvent(raw), headers: req.headers });
        res.statusCode = 200;
      } catch (err) {
        rejected.push(String(err));
        res.statusCode = 400;
      }
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  sim = await buildSimulator({
    clientId: "flow-client",
    apiKey: "flow-key",
    adminToken: "flow-admin-token-for-tests",
    seed: 7,
    reviewDelayMs: 30,
    cardActivationDelayMs: 30,
    orderDelayMs: 20,
    preCancelDelayMs: 60,
    webhook: {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      secret: SECRET,
    },
  });
  await sim.app.listen({ port: 0, host: "127.0.0.1" });
  client = createUqpayClient({
    baseUrl: `http://127.0.0.1:${(sim.app.server.address() as AddressInfo).port}/api`,
    clientId: "flow-client",
    apiKey: "flow-key",
    retryBaseMs: 5,
  });
});
afterAll(async () => {
  await sim?.close();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

/** Polls `probe` until it returns a defined value (never a timing assertion). */
async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const webhook = (type: string, pred: (e: UqpayWebhookEvent) => boolean = () => true) =>
  eventually(
    () => received.find((r) => r.event.event_type === type && pred(r.event))?.event,
    `webhook ${type}`,
  );

const luhn = (pan: string) => {
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
};

const usd = async () => Number((await client.balances.retrieve("USD")).available_balance);
const cardBalance = async (id: string) =>
  Number((await client.cards.retrieve(id)).available_balance);
const orderDone = (orderId: string) =>
  eventually(async () => {
    const o = await client.cards.getOrder(orderId);
    return o.order_status === "SUCCESS" || o.order_status === "FAILED" ? o : undefined;
  }, `order ${orderId}`);

describe("whole flow: client ↔ simulator over HTTP, webhooks verified", () => {
  it("token → cardholder → product → card → secure → status → recharge/withdraw → auth/reversal → cancel", async () => {
    // Token: a real 3-part JWT.
    expect((await client.getToken()).split(".")).toHaveLength(3);

    // Cardholder with identity: PENDING review, then SUCCESS (polled).
    const suffix = randomUUID().slice(0, 8);
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").toString("base64");
    const created = await client.cardholders.create(
      {
        email: `flow.${suffix}@example.com`,
        first_name: "Ann",
        last_name: "Lee",
        country_code: "SG",
        phone_number: `9${String(Date.now()).slice(-7)}`,
        date_of_birth: "1990-01-31",
        gender: "FEMALE",
        nationality: "SG",
        identity: { type: "PASSPORT", number: `E${suffix}`, front_file: png },
      },
      { idempotencyKey: randomUUID() },
    );
    expect(["PENDING", "SUCCESS"]).toContain(created.cardholder_status);
    const holder = await eventually(async () => {
      const h = await client.cardholders.retrieve(created.cardholder_id);
      return h.cardholder_status === "SUCCESS" ? h : undefined;
    }, "cardholder SUCCESS");
    expect(holder.first_name).toBe("Ann");

    // Products: the sandbox BIN, in SINGLE mode so card money visibly leaves the issuing balance.
    const products = await client.products.list();
    expect(products.total_items).toBeGreaterThan(0);
    const product = products.data.find(
      (p) =>
        p.card_bin === "40963608" && p.mode_type === "SINGLE" && p.product_status === "ENABLED",
    );
    expect(product?.card_currency).toContain("USD");
    if (!product) throw new Error("no SINGLE product on BIN 40963608");

    // Card: PENDING → ACTIVE, order SUCCESS; the load leaves the issuing balance.
    const usd0 = await usd();
    const made = await client.cards.create(
      {
        card_currency: "USD",
        card_product_id: product.product_id,
        cardholder_id: holder.cardholder_id,
        card_limit: 100,
        metadata: { ref: suffix },
      },
      { idempotencyKey: randomUUID() },
    );
    const cardId = made.card_id;
    expect((await orderDone(made.card_order_id)).order_status).toBe("SUCCESS");
    const card = await client.cards.retrieve(cardId);
    expect(card).toMatchObject({
      card_status: "ACTIVE",
      card_bin: "40963608",
      card_currency: "USD",
    });
    expect(card.card_number).toMatch(/^\*+\d{4}$/);
    expect(await usd()).toBeCloseTo(usd0 - 100, 2);
    expect(await cardBalance(cardId)).toBe(100);
    const createdHook = await webhook(
      "card.create.succeeded",
      (e) => e.source_id === made.card_order_id,
    );
    if (createdHook.event_type !== "card.create.succeeded" || !createdHook.known) throw new Error();
    expect(createdHook.data.card_id).toBe(cardId);

    // Secure details: a Luhn-valid PAN on the sandbox BIN.
    const secure = await client.cards.getSecure(cardId);
    expect(secure.card_number).toMatch(/^40963608\d{8}$/);
    expect(luhn(secure.card_number)).toBe(true);
    expect(secure.cvv).toMatch(/^\d{3}$/);
    expect(secure.expire_date).toMatch(/^(0[1-9]|1[0-2])\/\d{2}$/);
    expect(secure.card_number.slice(-4)).toBe(card.card_number.slice(-4));

    // Status: FROZEN then ACTIVE, each with a SUCCESS order and a succeeded webhook.
    for (const status of ["FROZEN", "ACTIVE"] as const) {
      const res = await client.cards.updateStatus(cardId, {
        card_status: status,
        update_reason: `flow ${status}`,
      });
      expect(res.order_status).toBe("PENDING");
      expect((await orderDone(res.card_order_id ?? "")).order_status).toBe("SUCCESS");
      expect((await client.cards.retrieve(cardId)).card_status).toBe(status);
      const hook = await webhook(
        "card.status.update.succeeded",
        (e) => e.source_id === res.card_order_id,
      );
      expect(hook.data.card_status).toBe(status);
    }

    // Recharge 50: issuing −50, card +50.
    const usd1 = await usd();
    const recharge = await client.cards.recharge(
      cardId,
      { amount: 50 },
      { idempotencyKey: randomUUID() },
    );
    expect(recharge.order_type).toBe("CARD_RECHARGE");
    expect((await orderDone(recharge.card_order_id)).order_status).toBe("SUCCESS");
    expect(await usd()).toBeCloseTo(usd1 - 50, 2);
    expect(await cardBalance(cardId)).toBe(150);
    const rHook = await webhook(
      "card.recharge.succeeded",
      (e) => e.source_id === recharge.card_order_id,
    );
    expect(rHook.data).toMatchObject({
      amount: "50",
      card_available_balance: "150",
      order_status: "SUCCESS",
    });

    // Withdraw 20: back to the issuing balance.
    const withdraw = await client.cards.withdraw(
      cardId,
      { amount: 20 },
      { idempotencyKey: randomUUID() },
    );
    expect((await orderDone(withdraw.card_order_id)).order_status).toBe("SUCCESS");
    expect(await usd()).toBeCloseTo(usd1 - 30, 2);
    expect(await cardBalance(cardId)).toBe(130);
    await webhook("card.withdraw.succeeded", (e) => e.source_id === withdraw.card_order_id);

    // Simulated authorization (MCC 5734): approved, the card balance decreases.
    const auth = await client.simulation.authorization(
      {
        card_id: cardId,
        transaction_amount: 10,
        transaction_currency: "USD",
        merchant_name: "Flow Shop",
        merchant_category_code: "5734",
      },
      { idempotencyKey: randomUUID() },
    );
    expect(auth).toMatchObject({
      transaction_status: "APPROVED",
      transaction_type: "AUTHORIZATION",
    });
    expect(await cardBalance(cardId)).toBe(120);
    const aHook = await webhook(
      "issuing.transaction.authorization",
      (e) => e.source_id === auth.transaction_id,
    );
    if (aHook.event_type !== "issuing.transaction.authorization" || !aHook.known) throw new Error();
    expect(aHook.data).toMatchObject({ transaction_status: "APPROVED", card_id: cardId });
    expect(aHook.data.merchants[0]?.category_code).toBe("5734");
    expect((await client.transactions.retrieve(auth.transaction_id)).transaction_id).toBe(
      auth.transaction_id,
    );

    // Reversal: the money comes back.
    const rev = await client.simulation.reversal(
      { transaction_id: auth.transaction_id },
      { idempotencyKey: randomUUID() },
    );
    // The §7 response has no original_transaction_id; the transaction resource does.
    expect(rev.transaction_type).toBe("REVERSAL");
    expect((await client.transactions.retrieve(rev.transaction_id)).original_transaction_id).toBe(
      auth.transaction_id,
    );
    expect(await cardBalance(cardId)).toBe(130);
    await webhook("issuing.transaction.reversal", (e) => e.source_id === rev.transaction_id);

    // Cancel: PRE_CANCEL at once, CANCELLED after the wait; the SINGLE balance goes home.
    const usd2 = await usd();
    const cancel = await client.cards.updateStatus(cardId, { card_status: "CANCELLED" });
    expect((await client.cards.retrieve(cardId)).card_status).toBe("PRE_CANCEL");
    await webhook("card.status.update.succeeded", (e) => e.data.card_status === "PRE_CANCEL");
    await eventually(async () => {
      const c = await client.cards.retrieve(cardId);
      return c.card_status === "CANCELLED" ? c : undefined;
    }, "card CANCELLED");
    await webhook(
      "card.status.update.succeeded",
      (e) => e.source_id === cancel.card_order_id && e.data.card_status === "CANCELLED",
    );
    expect(await usd()).toBeCloseTo(usd2 + 130, 2);

    // Every webhook was signed correctly and parsed as a known Issuing event.
    expect(rejected).toEqual([]);
    for (const r of received) {
      expect(r.event.known, r.event.event_type).toBe(true);
      expect(r.event.version).toBe("V1.6.0");
      expect(r.event.event_name).toBe("ISSUING");
      expect(r.headers["x-wk-timestamp"]).toMatch(/^\d{10}$/);
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
    }
  });

  it("elevates a SHARE card's limit (card.elevate_limit.succeeded, source = card id) and refuses activating a virtual card", async () => {
    const suffix = randomUUID().slice(0, 8);
    const h = await client.cardholders.create(
      {
        email: `elev.${suffix}@example.com`,
        first_name: "Bo",
        last_name: "Tan",
        country_code: "SG",
        phone_number: `8${String(Date.now()).slice(-7)}`,
      },
      { idempotencyKey: randomUUID() },
    );
    const share = (await client.products.list()).data.find(
      (p) => p.card_bin === "40963608" && p.mode_type === "SHARE",
    );
    if (!share) throw new Error("no SHARE product");
    const made = await client.cards.create(
      {
        card_currency: "USD",
        card_product_id: share.product_id,
        cardholder_id: h.cardholder_id,
        card_limit: 100,
      },
      { idempotencyKey: randomUUID() },
    );
    await orderDone(made.card_order_id);
    const res = await client.cards.elevateLimit(made.card_id, { card_limit: 5000 });
    await orderDone(res.card_order_id ?? "");
    expect(Number((await client.cards.retrieve(made.card_id)).card_limit)).toBe(5000);
    const hook = await webhook("card.elevate_limit.succeeded", (e) => e.source_id === made.card_id);
    expect(hook.outcome).toBe("succeeded");
    const tooHigh = await client.cards
      .elevateLimit(made.card_id, { card_limit: 80_000.01 })
      .catch((e: unknown) => e);
    expect(tooHigh).toMatchObject({
      name: "UqpayError",
      httpStatus: 400,
      type: "invalid_request_error",
    });

    const act = await client.cards
      .activate({ card_id: made.card_id, activation_code: "ABC123", pin: "123456" })
      .catch((e: unknown) => e);
    expect(act).toMatchObject({ name: "UqpayError", httpStatus: 400, type: "card_error" });
    expect(rejected).toEqual([]);
  });

  it("transfers to a sub-account move the issuing balance; reports download as text", async () => {
    const claims = JSON.parse(
      Buffer.from((await client.getToken()).split(".")[1] ?? "", "base64url").toString("utf8"),
    ) as { account_id: string };
    const before = await usd();
    const sub = randomUUID();
    const out = await client.transfers.create(
      {
        source_account_id: claims.account_id,
        destination_account_id: sub,
        currency: "USD",
        amount: 12.5,
        remark: "to sub",
      },
      { idempotencyKey: randomUUID() },
    );
    expect(await usd()).toBeCloseTo(before - 12.5, 2);
    expect(await client.transfers.retrieve(out.transfer_id)).toMatchObject({
      transfer_status: "COMPLETED",
      amount: "12.5",
    });
    await client.transfers.create(
      {
        source_account_id: sub,
        destination_account_id: claims.account_id,
        currency: "USD",
        amount: "12.5" as unknown as number,
      },
      { idempotencyKey: randomUUID() },
    );
    expect(await usd()).toBeCloseTo(before, 2);
    const stranger = await client.transfers
      .create(
        {
          source_account_id: sub,
          destination_account_id: randomUUID(),
          currency: "USD",
          amount: 1,
        },
        { idempotencyKey: randomUUID() },
      )
      .catch((e: unknown) => e);
    expect(stranger).toMatchObject({
      httpStatus: 400,
      type: "account_error",
      code: "sub_account_not_found",
    });

    const now = Date.now();
    const report = await client.reports.create({
      report_type: "BALANCE_TRANSACTION",
      start_time: new Date(now - 3600_000).toISOString(),
      end_time: new Date(now + 3600_000).toISOString(),
    });
    const file = await client.reports.download(report.report_id);
    expect(file.split("\n")[0]).toContain("transaction_id");
    expect(file).toContain("TRANSFER_OUT");
    const tooLong = await client.reports
      .create({
        report_type: "BALANCE_TRANSACTION",
        start_time: "2026-01-01T00:00:00Z",
        end_time: "2026-06-01T00:00:00Z",
      })
      .catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ httpStatus: 400, type: "invalid_request_error" });
  });

  it("the rest of the surface: lists, updates, one-step create, PAN token, ledgers", async () => {
    const suffix = randomUUID().slice(0, 8);
    // One-step mode: the cardholder is created with the card.
    const product = (await client.products.list({ page_size: 100 })).data.find(
      (p) => p.card_bin === "40963608" && p.mode_type === "SHARE",
    );
    if (!product) throw new Error("no SHARE product");
    const made = await client.cards.create(
      {
        card_currency: "USD",
        card_product_id: product.product_id,
        card_limit: 40,
        cardholder_required_fields: {
          email: `one.${suffix}@example.com`,
          first_name: "Cy",
          last_name: "Ong",
          country_code: "SG",
          phone_number: `7${String(Date.now()).slice(-7)}`,
        },
      },
      { idempotencyKey: randomUUID() },
    );
    expect(made.cardholder_id).toBeTruthy();
    await orderDone(made.card_order_id);
    const holderId = made.cardholder_id ?? "";

    const upd = await client.cardholders.update(holderId, { date_of_birth: "1991-02-03" });
    expect(upd.cardholder_id).toBe(holderId);
    expect((await client.cardholders.retrieve(holderId)).date_of_birth).toBe("1991-02-03");
    const holders = await client.cardholders.list({ cardholder_status: "SUCCESS", page_size: 100 });
    expect(holders.data.some((h) => h.cardholder_id === holderId)).toBe(true);

    const cu = await client.cards.update(made.card_id, { card_limit: 60, metadata: { k: "v" } });
    expect((await orderDone(cu.card_order_id ?? "")).order_status).toBe("SUCCESS");
    expect(Number((await client.cards.retrieve(made.card_id)).card_limit)).toBe(60);
    await webhook("card.update.succeeded", (e) => e.source_id === cu.card_order_id);
    const cards = await client.cards.list({ cardholder_id: holderId });
    expect(cards.data.map((c) => c.card_id)).toEqual([made.card_id]);

    const tok = await client.cards.createPanToken(made.card_id);
    expect(tok.expires_in).toBe(60);

    const auth = await client.simulation.authorization(
      {
        card_id: made.card_id,
        transaction_amount: 3,
        transaction_currency: "USD",
        merchant_name: "S",
        merchant_category_code: "5734",
      },
      { idempotencyKey: randomUUID() },
    );
    const txs = await client.transactions.list({ card_id: made.card_id });
    expect(txs.data.map((t) => t.transaction_id)).toContain(auth.transaction_id);
    const balances = await client.balances.list();
    expect(balances.data.map((b) => b.currency)).toContain("USD");
    const ledger = await client.balances.transactions({ currency: "USD", page_size: 100 });
    expect(ledger.total_items).toBeGreaterThan(0);
    expect(ledger.data.some((t) => t.transaction_type === "ISSUING_AUTHORIZATION")).toBe(true);
    expect(rejected).toEqual([]);
  });
});
