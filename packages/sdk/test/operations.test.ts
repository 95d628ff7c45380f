import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail } from "../../../test/fixtures/cardrail.ts";
import { jpeg, png } from "../../../test/fixtures/files.ts";
import {
  type CardholderStatusResponse,
  Cardrail,
  type CardrailEvent,
  InvalidCardStateError,
  KycAlreadyDecidedError,
  OPERATIONS,
  verifyWebhook,
} from "../src/index.ts";

/** Every operation of the committed contract under /api/v1, as "METHOD /path". */
const contract = JSON.parse(
  readFileSync(new URL("../../../openapi.json", import.meta.url), "utf8"),
) as { paths: Record<string, Record<string, unknown>> };
const METHODS = ["get", "put", "post", "delete", "patch"];
const contractOperations = Object.entries(contract.paths)
  .filter(([path]) => path.startsWith("/api/v1/"))
  .flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
  )
  .sort();

/** The contract's operation a request went to; a literal path wins over a template ({id}). */
function operationOf(method: string, url: string): string | undefined {
  const { pathname } = new URL(url);
  const matches = contractOperations.filter((op) => {
    const [m, template] = op.split(" ") as [string, string];
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return m === method && pattern.test(pathname);
  });
  return matches.sort((a, b) => a.split("{").length - b.split("{").length)[0];
}

let cr: TestCardrail;
const deliveries: { headers: IncomingHttpHeaders; raw: Buffer }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    deliveries.push({ headers: req.headers, raw: Buffer.concat(chunks) });
    res.end("ok");
  });
});

beforeAll(async () => {
  cr = await startCardrail({ WEBHOOK_POLL_INTERVAL_MS: "20" });
  cr.runtime.startSweeps(); // the delivery worker
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await cr?.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Polls until `done` holds (each poll is a real request; no fixed sleeps decide the outcome). */
async function until<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean) {
  for (let i = 0; i < 400; i++) {
    const value = await get();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const holder = (kycIdNumber: string) => {
  const unique = randomBytes(5).toString("hex");
  return {
    email: `ops.${unique}@example.com`,
    firstName: "Asha",
    lastName: "Rao",
    country: "IN",
    mobile: `9${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`,
    kycDocType: "passport" as const,
    kycIdNumber: `${kycIdNumber}${unique}`,
    kycExpiryDate: "2031-05-01",
    docFront: jpeg(),
  };
};

describe("every operation of openapi.json is an SDK method", () => {
  it("the method table names exactly the contract's operations, each a function of the client", () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(contractOperations);
    const sdk = new Cardrail({ apiKey: "dk_test_x", accessKey: "sk_test_x" });
    for (const method of Object.values(OPERATIONS)) {
      const [group, name] = method.split(".") as [string, string];
      const fn = (sdk as unknown as Record<string, Record<string, unknown>>)[group]?.[name];
      expect(typeof fn, method).toBe("function");
    }
  });

  it("calling every method against a real Cardrail reaches every operation, each through its own method", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const hits: { method: string; url: string }[] = [];
    const sdk = new Cardrail({
      apiKey: tenant.headers["x-api-key"] as string,
      accessKey: tenant.headers["x-access-key"] as string,
      baseUrl: cr.url,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        hits.push({ method: request.method, url: request.url });
        return fetch(request);
      },
    });
    const reached = new Map<string, string>();
    /** Runs one SDK method and records which operations it sent requests to. */
    async function via<T>(method: string, run: () => Promise<T>): Promise<T> {
      const from = hits.length;
      const result = await run();
      for (const hit of hits.slice(from)) {
        const operation = operationOf(hit.method, hit.url);
        expect(operation, `${hit.method} ${hit.url}`).toBeDefined();
        reached.set(operation as string, method);
      }
      return result;
    }

    const endpoint = await via("webhookEndpoints.create", () =>
      sdk.webhookEndpoints.create({
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        events: ["*"],
      }),
    );
    expect(endpoint.secret).toBeTruthy();
    const list = await via("webhookEndpoints.list", () => sdk.webhookEndpoints.list());
    expect(list.data.map((e) => e.id)).toEqual([endpoint.id]);

    // A cardholder the issuer asks to resubmit (INCOMPLETE…), then new documents for it.
    const incomplete = await via("cardholders.create", () =>
      sdk.cardholders.create(holder("INCOMPLETE")),
    );
    await until(
      "the issuer to ask for documents",
      () => via("cardholders.status", () => sdk.cardholders.status(incomplete.holderId)),
      (s: CardholderStatusResponse) => (s.missingFields?.length ?? 0) > 0,
    );
    const resubmitted = await via("cardholders.resubmitDocuments", () =>
      sdk.cardholders.resubmitDocuments(incomplete.holderId, {
        docFront: png(),
        kycIdNumber: "P7654321",
      }),
    );
    expect(resubmitted).toMatchObject({ success: true, holderId: incomplete.holderId });

    const { holderId } = await sdk.cardholders.create(holder("P"));
    await via("cardholders.status", () =>
      sdk.cardholders.waitForActive(holderId, { intervalMs: 25, timeoutMs: 20_000 }),
    );
    // A decided cardholder needs no documents: the contract's kyc_already_decided, typed.
    const decided = await sdk.cardholders
      .resubmitDocuments(holderId, { docFront: jpeg() })
      .catch((e) => e);
    expect(decided).toBeInstanceOf(KycAlreadyDecidedError);
    expect(decided).toMatchObject({ status: 409, code: "kyc_already_decided" });

    const card = await via("cards.create", () =>
      sdk.cards.create({ holderId, card_product_id: "111031", currency: "USD", loadAmount: 20 }),
    );
    await via("cards.retrieve", () => sdk.cards.retrieve(card.cardId));
    const revealed = await via("cards.reveal", () => sdk.cards.reveal(card.cardId));
    const token = await via("cards.createRevealToken", () =>
      sdk.cards.createRevealToken(card.cardId),
    );
    const redeemed = await via("cards.redeemRevealToken", () =>
      sdk.cards.redeemRevealToken(token.token),
    );
    expect(redeemed.cardDetails).toEqual(revealed.cardDetails);
    const wallet = await via("wallet.balances", () => sdk.wallet.balances());
    expect(wallet.balances).toEqual([{ currency: "USD", balance: 80 }]);

    // The card program (docs/card-program.md): lists, the profile, controls, money, purchases.
    const holders = await via("cardholders.list", () =>
      sdk.cardholders.list({ status: "ACTIVE", limit: 5 }),
    );
    expect(holders.data.map((h) => h.holderId)).toContain(holderId);
    expect(new Set(holders.data.map((h) => h.status))).toEqual(new Set(["ACTIVE"]));
    const profile = await via("cardholders.retrieve", () => sdk.cardholders.retrieve(holderId));
    expect(profile).toMatchObject({ success: true, holderId, status: "ACTIVE" });
    const cards = await via("cards.list", () => sdk.cards.list({ holderId }));
    expect(cards).toMatchObject({ hasMore: false, nextCursor: null });
    expect(cards.data.map((c) => c.cardId)).toEqual([card.cardId]);
    const limited = await via("cards.update", () =>
      sdk.cards.update(card.cardId, {
        spendingLimits: [{ amount: 50, interval: "per_transaction" }],
      }),
    );
    expect(limited.cardId).toBe(card.cardId);

    const topUp = await via("cards.topUp", () => sdk.cards.topUp(card.cardId, { amount: 5 }));
    expect(topUp).toMatchObject({
      cardId: card.cardId,
      type: "top_up",
      amount: 5,
      replayed: false,
    });
    expect(topUp.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const withdrawal = await via("cards.withdraw", () =>
      sdk.cards.withdraw(card.cardId, { amount: 2 }),
    );
    expect(withdrawal).toMatchObject({ cardId: card.cardId, type: "withdrawal", amount: 2 });
    const ledger = await via("wallet.transactions", () => sdk.wallet.transactions());
    expect(ledger.data.map((t) => t.type)).toContain("top_up");

    const purchase = { amount: 3, currency: "USD", merchant: { name: "Coffee", mcc: "5812" } };
    const auth = await via("testHelpers.authorize", () =>
      sdk.testHelpers.authorize(card.cardId, purchase),
    );
    expect(auth).toMatchObject({ cardId: card.cardId, type: "authorization", status: "approved" });
    const settlement = await via("testHelpers.settle", () => sdk.testHelpers.settle(auth.id));
    expect(settlement).toMatchObject({ cardId: card.cardId, type: "settlement" });
    const refund = await via("testHelpers.refund", () => sdk.testHelpers.refund(auth.id));
    expect(refund).toMatchObject({ cardId: card.cardId, type: "refund" });
    const second = await sdk.testHelpers.authorize(card.cardId, purchase);
    const reversal = await via("testHelpers.reverse", () => sdk.testHelpers.reverse(second.id));
    expect(reversal).toMatchObject({ cardId: card.cardId, type: "reversal" });
    const ofCard = await via("cards.transactions", () => sdk.cards.transactions(card.cardId));
    expect(ofCard.data.map((t) => t.id)).toEqual(
      expect.arrayContaining([auth.id, settlement.id, refund.id, second.id, reversal.id]),
    );
    const all = await via("transactions.list", () =>
      sdk.transactions.list({ cardId: card.cardId }),
    );
    expect(all.data.map((t) => t.id).sort()).toEqual(ofCard.data.map((t) => t.id).sort());

    // Freeze, unfreeze, cancel: each answers the card; the issuer confirms by webhook.
    const statusOf = (want: string) =>
      until(
        `the card to be ${want}`,
        () => sdk.cards.retrieve(card.cardId),
        (c) => c.status === want && c.pendingStatus === null,
      );
    const freezing = await via("cards.freeze", () => sdk.cards.freeze(card.cardId));
    expect(freezing.cardId).toBe(card.cardId);
    await statusOf("frozen");
    // A repeat is not an error: the card as it is (which is what makes retrying it safe).
    expect(await sdk.cards.freeze(card.cardId)).toMatchObject({ status: "frozen" });
    await via("cards.unfreeze", () => sdk.cards.unfreeze(card.cardId));
    await statusOf("active");
    const cancelling = await via("cards.cancel", () => sdk.cards.cancel(card.cardId));
    expect(cancelling.cardId).toBe(card.cardId);
    await statusOf("cancelled");
    const late = await sdk.cards.unfreeze(card.cardId).catch((e) => e);
    expect(late).toBeInstanceOf(InvalidCardStateError);
    expect(late).toMatchObject({ status: 409, code: "invalid_card_state" });

    const page = await via("events.list", () => sdk.events.list({ type: "card.created" }));
    const created = page.data.find((e: CardrailEvent) => e.data.cardId === card.cardId);
    expect(created).toBeDefined();
    const event = await via("events.retrieve", () => sdk.events.retrieve(created?.id as string));
    expect(event.id).toBe(created?.id);
    const redelivery = await via("events.redeliver", () =>
      sdk.events.redeliver(event.id, { endpointId: endpoint.id }),
    );
    expect(redelivery.scheduled.map((s) => s.endpointId)).toEqual([endpoint.id]);

    // What the endpoint received verifies with its secret, through the SDK's verifyWebhook.
    const delivery = await until(
      "the card.created delivery",
      async () => deliveries.find((d) => JSON.parse(d.raw.toString()).id === event.id) ?? undefined,
      (d) => d !== undefined,
    );
    const verified = verifyWebhook<{ id: string; type: string }>({
      payload: delivery?.raw as Buffer,
      header: delivery?.headers["cardrail-signature"],
      secret: endpoint.secret,
    });
    expect(verified).toMatchObject({ id: event.id, type: "card.created" });

    const deleted = await via("webhookEndpoints.delete", () =>
      sdk.webhookEndpoints.delete(endpoint.id),
    );
    expect(deleted).toMatchObject({ id: endpoint.id, deleted: true });

    expect([...reached.keys()].sort()).toEqual(contractOperations);
    for (const [operation, method] of reached) {
      expect(method, operation).toBe(OPERATIONS[operation as keyof typeof OPERATIONS]);
    }
  });
});
