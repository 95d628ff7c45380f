import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildSimulator,
  SIM_PRODUCT_USD_40963608,
  SIM_PRODUCT_USD_SINGLE_40963608,
  type Simulator,
} from "../../simulator/app.ts";
import { simulatorAdmin } from "../../test-issuer/simulator-admin.ts";
import { type CardIssuer, IssuerError, type IssuerEvent } from "../port.ts";
import { createUqpayIssuer } from "./adapter.ts";
import { createUqpayClient, type UqpayClient } from "./client.ts";
import { uqpayWebhooks } from "./webhooks.ts";

/**
 * The card-program half of the port, through the UQPay adapter and client, over real HTTP against
 * the simulator: orders, money, controls, transactions, simulation, and the webhooks each sends
 * read back through the adapter's own webhook parser.
 */
const ADMIN_TOKEN = "card-program-admin-token-for-tests";
let sim: Simulator;
let client: UqpayClient;
let issuer: CardIssuer;
let simUrl: string;

beforeAll(async () => {
  sim = await buildSimulator({
    clientId: "cp-client",
    apiKey: "cp-key",
    adminToken: ADMIN_TOKEN,
    seed: 15,
    initialBalances: { USD: 1000 },
  });
  simUrl = await sim.app.listen({ port: 0, host: "127.0.0.1" });
  client = createUqpayClient({
    baseUrl: `${simUrl}/api`,
    clientId: "cp-client",
    apiKey: "cp-key",
    retryBaseMs: 5,
  });
  issuer = createUqpayIssuer(client, {
    simulation: {
      kind: "builtin",
      admin: simulatorAdmin(async () => ({ url: simUrl, token: ADMIN_TOKEN })),
    },
  });
});
afterAll(async () => {
  await sim?.close();
});

const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
const key = () => ({ idempotencyKey: randomUUID() });
const usd = (amountMinor: bigint) => ({ amountMinor, currency: "USD" });

async function activeCard(amountMinor: bigint, product = SIM_PRODUCT_USD_40963608) {
  const n = randomUUID().replace(/\D/g, "").slice(0, 7).padEnd(7, "1");
  const holder = await issuer.submitCardholder(
    {
      email: `cp.${n}.${randomUUID().slice(0, 6)}@example.com`,
      firstName: "Ann",
      lastName: "Lee",
      countryCode: "SG",
      mobile: `8${n}`,
      document: { type: "passport", number: `E${n}`, front: { bytes: png, mime: "image/png" } },
    },
    key(),
  );
  sim.flush();
  const card = await issuer.issueCard(
    {
      issuerCardholderId: holder.issuerCardholderId,
      issuerProductId: product,
      currency: "USD",
      amountMinor,
      cardRef: `card_${n}`,
    },
    key(),
  );
  sim.flush();
  return card.issuerCardId;
}

/** The port's reading of every webhook the simulator sent since `from`. */
const eventsSince = (from: number): IssuerEvent[] =>
  sim.ctx.webhooks.events
    .slice(from)
    .map((e) => uqpayWebhooks.parse(JSON.parse(JSON.stringify(e))))
    .filter((e): e is IssuerEvent => e !== null);
const mark = () => sim.ctx.webhooks.events.length;

async function failure(p: Promise<unknown>): Promise<IssuerError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(IssuerError);
    return error as IssuerError;
  }
  throw new Error("expected an IssuerError");
}

describe("card status changes", () => {
  it("freeze, unfreeze, cancel: orders, card_order and card_status events, refusals", async () => {
    const cardId = await activeCard(5000n);
    const from = mark();
    const freeze = await issuer.changeCardStatus(cardId, "FROZEN", { ...key(), reason: "lost" });
    expect(freeze).toMatchObject({ issuerCardId: cardId, kind: "status", status: "PENDING" });
    expect(await issuer.getOrder(freeze.issuerOrderId)).toMatchObject({ status: "SUCCESS" });
    expect((await issuer.getCard(cardId)).status).toBe("FROZEN");
    const again = await failure(issuer.changeCardStatus(cardId, "FROZEN", key()));
    expect(again.kind).toBe("rejected");
    await issuer.changeCardStatus(cardId, "ACTIVE", key());
    const cancel = await issuer.changeCardStatus(cardId, "CANCELLED", key());
    expect((await issuer.getCard(cardId)).status).toBe("PRE_CANCEL");
    sim.flush();
    expect((await issuer.getCard(cardId)).status).toBe("CANCELLED");
    expect((await failure(issuer.changeCardStatus(cardId, "ACTIVE", key()))).kind).toBe("rejected");
    const events = eventsSince(from);
    expect(events.map((e) => e.kind)).toEqual([
      "card_order",
      "card_order",
      "card_order",
      "card_status",
    ]);
    expect(events[0]).toMatchObject({
      kind: "card_order",
      order: "status",
      issuerOrderId: freeze.issuerOrderId,
      succeeded: true,
      cardStatus: "FROZEN",
      availableMinor: 5000n,
      currency: "USD",
    });
    expect(events[2]).toMatchObject({ cardStatus: "PRE_CANCEL" });
    expect(events[3]).toMatchObject({
      kind: "card_status",
      issuerCardId: cardId,
      status: "CANCELLED",
    });
    expect(events[3]?.type).toBe("card.status.update.succeeded");
    expect(cancel.issuerOrderId).toBe(sim.ctx.webhooks.events.at(-1)?.source_id);
  });

  it("answers not_found for a card that does not exist", async () => {
    expect((await failure(issuer.changeCardStatus(randomUUID(), "FROZEN", key()))).kind).toBe(
      "not_found",
    );
  });

  it("a cancelled SINGLE card's balance returns to the issuing balance", async () => {
    const cardId = await activeCard(3000n, SIM_PRODUCT_USD_SINGLE_40963608);
    const balance = async () => (await client.balances.retrieve("USD")).available_balance;
    const before = Number(await balance());
    await issuer.changeCardStatus(cardId, "CANCELLED", key());
    expect(Number(await balance())).toBe(before);
    sim.flush();
    expect(Number(await balance())).toBe(before + 30);
  });
});

describe("money on and off a card", () => {
  it("recharge and withdraw: orders with amounts, replayed by key, webhooks with the balance", async () => {
    const cardId = await activeCard(1000n);
    const from = mark();
    const call = key();
    const top = await issuer.rechargeCard(cardId, usd(2550n), call);
    expect(top).toMatchObject({
      issuerCardId: cardId,
      kind: "recharge",
      status: "PROCESSING",
      amountMinor: 2550n,
      currency: "USD",
    });
    // The same key again: UQPay replays the first answer; the money moves once.
    expect((await issuer.rechargeCard(cardId, usd(2550n), call)).issuerOrderId).toBe(
      top.issuerOrderId,
    );
    const off = await issuer.withdrawFromCard(cardId, usd(1050n), key());
    expect(off).toMatchObject({ kind: "withdraw", amountMinor: 1050n });
    sim.flush();
    expect(await issuer.getOrder(top.issuerOrderId)).toMatchObject({
      issuerOrderId: top.issuerOrderId,
      kind: "recharge",
      status: "SUCCESS",
      amountMinor: 2550n,
    });
    expect((await issuer.getCard(cardId)).availableMinor).toBe(2500n);
    const [recharged, withdrawn] = eventsSince(from);
    expect(recharged).toMatchObject({
      kind: "card_order",
      order: "recharge",
      issuerOrderId: top.issuerOrderId,
      issuerCardId: cardId,
      succeeded: true,
      amountMinor: 2550n,
      currency: "USD",
      cardStatus: "ACTIVE",
    });
    expect(withdrawn).toMatchObject({
      order: "withdraw",
      amountMinor: 1050n,
      availableMinor: 2500n,
    });
  });

  it("refuses more than the card holds, a zero amount, and an unknown card", async () => {
    const cardId = await activeCard(1000n);
    expect((await failure(issuer.withdrawFromCard(cardId, usd(1001n), key()))).kind).toBe(
      "rejected",
    );
    const zero = await failure(issuer.rechargeCard(cardId, usd(0n), key()));
    expect(zero).toMatchObject({ kind: "rejected", detail: { fields: ["amount"] } });
    expect((await failure(issuer.rechargeCard(randomUUID(), usd(1n), key()))).kind).toBe(
      "not_found",
    );
  });

  it("a failed order arrives as card_order succeeded:false", async () => {
    const cardId = await activeCard(1000n);
    sim.ctx.faults.add({
      route: "POST /api/v1/issuing/cards/:id/withdraw",
      kind: "fail_after_success",
      count: 1,
    });
    const from = mark();
    const order = await issuer.withdrawFromCard(cardId, usd(500n), key());
    sim.flush();
    expect((await issuer.getOrder(order.issuerOrderId)).status).toBe("FAILED");
    expect(eventsSince(from)[0]).toMatchObject({
      kind: "card_order",
      order: "withdraw",
      succeeded: false,
      availableMinor: 1000n,
    });
  });
});

describe("spend controls", () => {
  it("updates limits and MCC lists, reads them back, and refuses what UQPay cannot take", async () => {
    expect(issuer.capabilities.spendingIntervals).toEqual(["PER_TRANSACTION"]);
    const cardId = await activeCard(5000n);
    const from = mark();
    const order = await issuer.updateCardControls(
      cardId,
      {
        spendingLimits: [{ amountMinor: 2000n, interval: "PER_TRANSACTION" }],
        allow3dsTransactions: false,
        blockedMcc: ["7995"],
      },
      key(),
    );
    expect(order).toMatchObject({ issuerCardId: cardId, kind: "update" });
    expect((await issuer.getCard(cardId)).controls).toEqual({
      spendingLimits: [{ amountMinor: 2000n, interval: "PER_TRANSACTION" }],
      allow3dsTransactions: false,
      blockedMcc: ["7995"],
    });
    // Switching lists: the other sent as null, as UQPay asks.
    await issuer.updateCardControls(cardId, { allowedMcc: ["5734"], blockedMcc: null }, key());
    expect((await issuer.getCard(cardId)).controls).toMatchObject({
      allowedMcc: ["5734"],
      blockedMcc: null,
      allow3dsTransactions: false,
    });
    const both = await failure(issuer.updateCardControls(cardId, { blockedMcc: ["7995"] }, key()));
    expect(both.kind).toBe("rejected");
    expect(both.detail.fields).toContain("blockedMcc");
    const daily = await failure(
      issuer.updateCardControls(
        cardId,
        // biome-ignore lint/suspicious/noExplicitAny: an interval the port does not offer, as an untyped caller might send
        { spendingLimits: [{ amountMinor: 1n, interval: "DAILY" as any }] },
        key(),
      ),
    );
    expect(daily).toMatchObject({ kind: "rejected", detail: { fields: ["spendingLimits"] } });
    const mcc = await failure(issuer.updateCardControls(cardId, { allowedMcc: ["57"] }, key()));
    expect(mcc).toMatchObject({ kind: "rejected", detail: { fields: ["allowedMcc"] } });
    sim.flush();
    const updates = eventsSince(from).filter((e) => e.kind === "card_order");
    expect(updates[0]).toMatchObject({
      order: "update",
      issuerOrderId: order.issuerOrderId,
      succeeded: true,
    });
  });
});

describe("transactions and simulation", () => {
  it("authorize, decline, reverse, settle, refund: each a transaction, an event and a list row", async () => {
    const cardId = await activeCard(5000n);
    const from = mark();
    const merchant = { name: "Cafe", mcc: "5812", country: "FR", city: "Paris" };
    const sim1 = issuer.simulation;
    if (!sim1?.settle || !sim1.refund)
      throw new Error("the built-in simulation settles and refunds");
    const a = await sim1.authorize({
      issuerCardId: cardId,
      amountMinor: 1250n,
      currency: "USD",
      merchant,
    });
    expect(a).toMatchObject({
      issuerCardId: cardId,
      type: "authorization",
      status: "approved",
      amountMinor: 1250n,
      billingAmountMinor: 1250n,
      merchant: { name: "Cafe", mcc: "5812", country: "FR", city: "Paris" },
      declineReason: null,
      cardAvailableMinor: 3750n,
    });
    const declined = await sim1.authorize({
      issuerCardId: cardId,
      amountMinor: 999_999n,
      currency: "USD",
      merchant,
    });
    expect(declined).toMatchObject({
      status: "declined",
      declineReason: "1116 - Insufficient Funds",
    });
    const settled = await sim1.settle(a.issuerTransactionId);
    expect(settled).toMatchObject({
      type: "settlement",
      status: "settled",
      originalTransactionId: a.issuerTransactionId,
      billingAmountMinor: 1250n,
    });
    const refund = await sim1.refund(settled.issuerTransactionId);
    expect(refund).toMatchObject({ type: "refund", status: "approved", billingAmountMinor: 1250n });
    const b = await sim1.authorize({
      issuerCardId: cardId,
      amountMinor: 100n,
      currency: "USD",
      merchant,
    });
    const reversal = await sim1.reverse(b.issuerTransactionId);
    expect(reversal).toMatchObject({
      type: "reversal",
      status: "approved",
      originalTransactionId: b.issuerTransactionId,
    });
    expect((await failure(sim1.reverse(b.issuerTransactionId))).kind).toBe("rejected");
    expect((await failure(sim1.settle(randomUUID()))).kind).toBe("not_found");

    const ids = [a, declined, settled, refund, b, reversal].map((t) => t.issuerTransactionId);
    const events = eventsSince(from).filter((e) => e.kind === "transaction");
    expect(
      events.map((e) => (e.kind === "transaction" ? e.transaction.issuerTransactionId : "")),
    ).toEqual(ids);
    const first = events[0];
    expect(first?.kind === "transaction" && first.transaction).toEqual(a);

    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000) };
    const page = await issuer.listTransactions({
      issuerCardId: cardId,
      ...window,
      page: 1,
      pageSize: 10,
    });
    expect(page.hasMore).toBe(false);
    expect(page.items.map((t) => t.issuerTransactionId)).toEqual([...ids].reverse());
    const small = await issuer.listTransactions({
      issuerCardId: cardId,
      ...window,
      page: 1,
      pageSize: 10,
    });
    expect(small.items).toHaveLength(6);
    const none = await issuer.listTransactions({
      issuerCardId: cardId,
      from: new Date(Date.now() - 7_200_000),
      to: new Date(Date.now() - 3_600_000),
      page: 1,
      pageSize: 10,
    });
    expect(none).toEqual({ items: [], hasMore: false });
  });

  it("pages through a card's transactions", async () => {
    const cardId = await activeCard(100_00n);
    const merchant = { name: "Shop", mcc: "5734" };
    for (let i = 0; i < 12; i++)
      await issuer.simulation?.authorize({
        issuerCardId: cardId,
        amountMinor: 1n,
        currency: "USD",
        merchant,
      });
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000) };
    const one = await issuer.listTransactions({
      issuerCardId: cardId,
      ...window,
      page: 1,
      pageSize: 10,
    });
    const two = await issuer.listTransactions({
      issuerCardId: cardId,
      ...window,
      page: 2,
      pageSize: 10,
    });
    expect(one.items).toHaveLength(10);
    expect(one.hasMore).toBe(true);
    expect(two.items).toHaveLength(2);
    expect(two.hasMore).toBe(false);
    expect(new Set([...one.items, ...two.items].map((t) => t.issuerTransactionId)).size).toBe(12);
  });

  it("offers simulation only where the upstream can", () => {
    expect(createUqpayIssuer(client).simulation).toBeUndefined();
    const sandbox = createUqpayIssuer(client, { simulation: { kind: "sandbox" } }).simulation;
    expect(sandbox?.authorize).toBeTypeOf("function");
    expect(sandbox?.settle).toBeUndefined();
    expect(sandbox?.refund).toBeUndefined();
  });
});
