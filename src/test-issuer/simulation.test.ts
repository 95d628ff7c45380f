import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail } from "../../test/fixtures/cardrail.ts";
import { jpeg } from "../../test/fixtures/files.ts";
import { loadConfig } from "../config.ts";
import { createIssuers } from "../issuer/issuers.ts";
import { type CardIssuer, IssuerError } from "../issuer/port.ts";
import { createLogger } from "../logger.ts";

/**
 * Test mode's issuer as the service composes it (runtime.ts → issuers.ts → the shared simulator of
 * this database), on whichever database the suite runs: the card program end to end through the
 * port, simulation included: authorize and reverse over UQPay's simulation API, settle and refund
 * through the simulator's admin API with the token the test issuer holds.
 */
let cardrail: TestCardrail;
let issuer: CardIssuer;

beforeAll(async () => {
  cardrail = await startCardrail();
  const tenant = await cardrail.tenant();
  const found = cardrail.runtime.issuerFor("test", tenant.tenantId);
  if (!found) throw new Error("test mode has an issuer");
  issuer = found;
}, 60_000);
afterAll(async () => {
  await cardrail?.close();
});

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

async function activeCard(amountMinor: bigint): Promise<string> {
  const n = String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  const holder = await issuer.submitCardholder(
    {
      email: `sim.${n}.${randomUUID().slice(0, 6)}@example.com`,
      firstName: "Asha",
      lastName: "Rao",
      countryCode: "SG",
      mobile: `8${n}`,
      document: { type: "passport", number: `P${n}`, front: { bytes: jpeg(), mime: "image/jpeg" } },
    },
    { idempotencyKey: randomUUID() },
  );
  await until(
    async () =>
      (await issuer.getCardholder(holder.issuerCardholderId)).status === "SUCCESS" || undefined,
    "the holder's review",
  );
  const products = await issuer.listProducts();
  const product = products.find((p) => p.modeType === "SHARE" && p.currencies.includes("USD"));
  if (!product) throw new Error("the simulator has a SHARE USD product");
  const card = await issuer.issueCard(
    {
      issuerCardholderId: holder.issuerCardholderId,
      issuerProductId: product.issuerProductId,
      currency: "USD",
      amountMinor,
      cardRef: `card_${n}`,
    },
    { idempotencyKey: randomUUID() },
  );
  await until(
    async () => ((await issuer.getCard(card.issuerCardId)).status === "ACTIVE" ? true : undefined),
    "the card's activation",
  );
  return card.issuerCardId;
}

describe("the test-mode issuer's card program", () => {
  it("simulates authorize, settle, refund and reverse; lists them; moves money and status", async () => {
    const sim = issuer.simulation;
    if (!sim?.settle || !sim.refund) throw new Error("test mode settles and refunds");
    const cardId = await activeCard(10_000n);
    const merchant = { name: "Books", mcc: "5942", country: "GB", city: "London" };
    const auth = await sim.authorize({
      issuerCardId: cardId,
      amountMinor: 2_000n,
      currency: "USD",
      merchant,
    });
    expect(auth).toMatchObject({ type: "authorization", status: "approved", merchant });
    const settled = await sim.settle(auth.issuerTransactionId);
    expect(settled).toMatchObject({ type: "settlement", status: "settled" });
    const refund = await sim.refund(auth.issuerTransactionId);
    expect(refund).toMatchObject({ type: "refund", billingAmountMinor: 2_000n });
    const second = await sim.authorize({
      issuerCardId: cardId,
      amountMinor: 500n,
      currency: "USD",
      merchant,
    });
    const reversal = await sim.reverse(second.issuerTransactionId);
    expect(reversal.originalTransactionId).toBe(second.issuerTransactionId);
    const refused = await sim.settle(randomUUID()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IssuerError);
    expect((refused as IssuerError).kind).toBe("not_found");

    const page = await issuer.listTransactions({
      issuerCardId: cardId,
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 3_600_000),
      page: 1,
      pageSize: 10,
    });
    expect(page.items.map((t) => t.type)).toEqual([
      "reversal",
      "authorization",
      "refund",
      "settlement",
      "authorization",
    ]);

    const top = await issuer.rechargeCard(
      cardId,
      { amountMinor: 1_000n, currency: "USD" },
      { idempotencyKey: randomUUID() },
    );
    await until(
      async () => (await issuer.getOrder(top.issuerOrderId)).status === "SUCCESS" || undefined,
      "the recharge",
    );
    expect((await issuer.getCard(cardId)).availableMinor).toBe(11_000n);
    await issuer.changeCardStatus(cardId, "FROZEN", { idempotencyKey: randomUUID() });
    const frozen = await sim.authorize({
      issuerCardId: cardId,
      amountMinor: 1n,
      currency: "USD",
      merchant,
    });
    expect(frozen).toMatchObject({ status: "declined", declineReason: "1014 - Card Frozen" });
  });
});

describe("which issuers simulate", () => {
  const issuersWith = (env: Record<string, string>) =>
    createIssuers(
      loadConfig({ CARDRAIL_DATA_DIR: cardrail.dataDir, ...env }),
      createLogger("silent"),
      cardrail.runtime.database.db,
      null,
    );
  const live = { UQPAY_CLIENT_ID: "id", UQPAY_API_KEY: "key" };

  it("a live issuer against UQPay's sandbox: authorize and reverse only", () => {
    const sandbox = issuersWith(live)("live", "tenant")?.simulation;
    expect(sandbox?.authorize).toBeTypeOf("function");
    expect(sandbox?.settle).toBeUndefined();
    expect(sandbox?.refund).toBeUndefined();
  });

  it("a live issuer against production: none", () => {
    const production = issuersWith({ ...live, UQPAY_BASE_URL: "https://api.uqpay.com/api" });
    expect(production("live", "tenant")?.simulation).toBeUndefined();
    expect(production("live", "tenant")?.capabilities.spendingIntervals).toEqual([
      "PER_TRANSACTION",
    ]);
  });
});
