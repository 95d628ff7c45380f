import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSimulator, SIM_PRODUCT_USD_40963608, type Simulator } from "../../simulator/app.ts";
import { IssuerError } from "../port.ts";
import { createUqpayIssuer } from "./adapter.ts";
import { createUqpayClient, type UqpayClient } from "./client.ts";

/**
 * The client and adapter over real HTTP against the UQPay simulator (src/simulator/): the same
 * wire format, token expiry and idempotency replay the live upstream has.
 */
let sim: Simulator;
let client: UqpayClient;
const logLines: Record<string, unknown>[] = [];
const logger = {
  info: (o: Record<string, unknown>) => logLines.push(o),
  warn: (o: Record<string, unknown>) => logLines.push(o),
};

beforeAll(async () => {
  sim = await buildSimulator({
    clientId: "contract-client",
    apiKey: "contract-key",
    adminToken: "contract-admin-token-for-tests",
    seed: 42,
    tokenTtlSeconds: 1800,
  });
  await sim.app.listen({ port: 0, host: "127.0.0.1" });
  const address = sim.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  client = createUqpayClient({
    baseUrl: `http://127.0.0.1:${port}/api`,
    clientId: "contract-client",
    apiKey: "contract-key",
    retryBaseMs: 5,
    logger,
  });
});
afterAll(async () => {
  await sim?.close();
});

const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

describe("UQPay contract (simulator)", () => {
  it("issues a three-part JWT", async () => {
    expect((await client.getToken()).split(".")).toHaveLength(3);
  });

  it("lists products including the USD BIN 40963608 product", async () => {
    const page = await client.products.list({ page_size: 10, page_number: 1 });
    const usd = page.data.find((p) => p.product_id === SIM_PRODUCT_USD_40963608);
    expect(usd).toMatchObject({ card_bin: "40963608", product_status: "ENABLED" });
    expect(usd?.card_currency).toContain("USD");
    const products = await createUqpayIssuer(client).listProducts();
    expect(products.find((p) => p.issuerProductId === SIM_PRODUCT_USD_40963608)).toMatchObject({
      bin: "40963608",
      enabled: true,
    });
  });

  it("creates and retrieves a cardholder, then issues a card, reads it and its secure data", async () => {
    const issuer = createUqpayIssuer(client);
    const suffix = String(Date.now()).slice(-7);
    const holderKey = randomUUID();
    const input = {
      email: `contract.${suffix}@example.com`,
      firstName: "Ann",
      lastName: "Lee",
      countryCode: "SG",
      mobile: `8${suffix}`,
      dateOfBirth: "1990-01-31",
      gender: "FEMALE" as const,
      document: {
        type: "passport" as const,
        number: `E${suffix}`,
        front: { bytes: png, mime: "image/png" as const },
      },
    };
    const holder = await issuer.submitCardholder(input, { idempotencyKey: holderKey });
    expect(holder.issuerCardholderId).toBeTruthy();
    // Same key, same request: the upstream replays the first result.
    const replay = await issuer.submitCardholder(input, { idempotencyKey: holderKey });
    expect(replay.issuerCardholderId).toBe(holder.issuerCardholderId);

    sim.flush();
    const raw = await client.cardholders.retrieve(holder.issuerCardholderId);
    expect(raw).toMatchObject({
      email: input.email,
      first_name: "Ann",
      phone_number: input.mobile,
    });
    expect((await issuer.getCardholder(holder.issuerCardholderId)).status).toBe("SUCCESS");

    const cardKey = randomUUID();
    const cardInput = {
      issuerCardholderId: holder.issuerCardholderId,
      issuerProductId: SIM_PRODUCT_USD_40963608,
      currency: "USD",
      amountMinor: 2005n,
      cardRef: "card_contract_1",
    };
    const issued = await issuer.issueCard(cardInput, { idempotencyKey: cardKey });
    expect(issued.issuerCardId).toBeTruthy();
    expect(["PENDING", "ACTIVE"]).toContain(issued.status);
    expect((await issuer.issueCard(cardInput, { idempotencyKey: cardKey })).issuerCardId).toBe(
      issued.issuerCardId,
    );

    sim.flush();
    const card = await issuer.getCard(issued.issuerCardId);
    expect(card).toMatchObject({
      issuerCardId: issued.issuerCardId,
      status: "ACTIVE",
      currency: "USD",
      limitMinor: 2005n,
    });
    expect(card.maskedNumber).not.toMatch(/\d{13,}/);
    const rawCard = await client.cards.retrieve(issued.issuerCardId);
    expect(rawCard.metadata).toMatchObject({ cardrail_card_id: "card_contract_1" });

    const secure = await issuer.getSecureDetails(issued.issuerCardId);
    expect(secure.cardNumber).toMatch(/^40963608\d{8}$/);
    expect(secure.cvv).toMatch(/^\d{3}$/);
    expect(secure.expiryDate).toMatch(/^\d{2}\/\d{2}$/);
    expect(card.maskedNumber.slice(-4)).toBe(secure.cardNumber.slice(-4));
  });

  // Issue 14: the official SDK retries with a NEW key, so a 500 after a committed create turns
  // into email_already_exists on its retry. Ours keeps the key and gets the first answer back.
  it("keeps its idempotency key across retries: a 500 after a committed create replays the create", async () => {
    const suffix = String(Date.now()).slice(-7);
    const body = {
      email: `retry.${suffix}@example.com`,
      first_name: "Ann",
      last_name: "Lee",
      country_code: "SG",
      phone_number: `7${suffix}`,
    };
    sim.ctx.faults.add({
      route: "POST /api/v1/issuing/cardholders",
      kind: "500",
      count: 1,
      afterCommit: true,
      rate: 1,
    });
    const before = sim.ctx.state.cardholders.size;
    const logged = logLines.length;
    const made = await client.cardholders.create(body, { idempotencyKey: randomUUID() });
    const attempts = logLines
      .slice(logged)
      .filter((l) => l.method === "POST" && l.path === "/v1/issuing/cardholders");
    expect(attempts.map((l) => [l.attempt, l.status])).toEqual([
      [1, 500],
      [2, 201],
    ]);
    expect(made.cardholder_status).toBe("SUCCESS");
    expect(sim.ctx.state.cardholders.size).toBe(before + 1);
    expect(sim.ctx.state.cardholders.get(made.cardholder_id)?.email).toBe(body.email);
    expect(sim.ctx.faults.rules[0]?.fired).toBe(1);
  });

  it("translates an unknown card into not_found", async () => {
    const err = await createUqpayIssuer(client)
      .getCard(randomUUID())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IssuerError);
    expect((err as IssuerError).kind).toBe("not_found");
  });

  it("refreshes the token when the simulator says it expired", async () => {
    await client.products.list();
    const before = logLines.length;
    sim.advanceClock(3600_000);
    const page = await client.products.list();
    expect(page.total_items).toBeGreaterThan(0);
    const lines = logLines.slice(before).map((l) => `${l.path} ${l.status}`);
    expect(lines).toEqual([
      "/v1/issuing/products 401",
      "/v1/connect/token 200",
      "/v1/issuing/products 200",
    ]);
    sim.advanceClock(-3600_000);
  });
});
