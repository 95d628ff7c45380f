/**
 * Requests sent the way UQPay's official Node SDK sends them: over HTTP, JSON with
 * `Content-Type: application/json` on every call, `x-auth-token: Bearer <jwt>`, a fresh UUID v4
 * `x-idempotency-key` on every request (GETs included), and the SDK's own field names and bodies.
 * Each block is one gap the SDK found; FIDELITY.md records the choices made.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { luhnCheckDigit } from "./cardnumber.ts";
import {
  SIM_PRODUCT_ENHANCED_46651711,
  SIM_PRODUCT_USD_40963608,
  SIM_PRODUCT_USD_SINGLE_40963608,
} from "./products.ts";
import { ADMIN, CLIENT, holder, idCard, startSim, until } from "./testkit.ts";

let sim: Simulator | undefined;
let server: Server | undefined;
afterEach(async () => {
  await sim?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  sim = undefined;
  server = undefined;
});

const UA = `uqpay-node/0.3.1 node/${process.version}`;

/** The SDK's HTTP layer, reduced to what reaches the wire. */
async function sdk(s: Simulator) {
  await s.app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}/api`;
  const tokenRes = await fetch(`${base}/v1/connect/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "User-Agent": UA,
      "x-client-id": CLIENT.clientId,
      "x-api-key": CLIENT.apiKey,
      "x-idempotency-key": randomUUID(),
    },
  });
  const { auth_token } = (await tokenRes.json()) as { auth_token: string };
  const call = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": UA,
        "x-auth-token": `Bearer ${auth_token}`,
        "x-idempotency-key": randomUUID(),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return {
      status: res.status,
      // biome-ignore lint/suspicious/noExplicitAny: wire answers are probed field by field
      body: (await res.json()) as Record<string, any>,
    };
  };
  const accountId = JSON.parse(
    Buffer.from(auth_token.split(".")[1] ?? "", "base64url").toString("utf8"),
  ).account_id as string;
  return {
    accountId,
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown) => call("POST", path, body),
  };
}
type Sdk = Awaited<ReturnType<typeof sdk>>;

const CARDS = "/v1/issuing/cards";
const HOLDERS = "/v1/issuing/cardholders";
const AUTH = "/v1/simulation/issuing/authorization";

const address = { country: "SG", city: "Singapore", line1: "1 Main St", postal_code: "018956" };
const thirdParty = (ref: string) => ({
  method: "THIRD_PARTY",
  kyc_proof: { provider: "SUMSUB", reference_id: `ref-${ref.padStart(10, "0")}` },
});
/** What the ENHANCED product (46651711) needs beyond the basic fields. */
const enhancedKyc = (n: string) => ({
  nationality: "SG",
  residential_address: address,
  identity: idCard(`S${n}`),
  kyc_verification: thirdParty(n),
});

async function successHolder(api: Sdk, extra: Record<string, unknown> = {}) {
  const res = await api.post(HOLDERS, holder(extra));
  expect(res.body.cardholder_status).toBe("SUCCESS");
  return res.body.cardholder_id as string;
}

async function activeCard(s: Simulator, api: Sdk, extra: Record<string, unknown> = {}) {
  const made = await api.post(CARDS, {
    card_currency: "USD",
    card_product_id: SIM_PRODUCT_USD_40963608,
    cardholder_id: await successHolder(api),
    card_limit: 100,
    ...extra,
  });
  expect(made.status).toBe(201);
  s.flush();
  return made.body.card_id as string;
}

const authorization = (cardId: string, extra: Record<string, unknown> = {}) => ({
  card_id: cardId,
  transaction_amount: 10,
  transaction_currency: "USD",
  merchant_name: "Test Shop",
  merchant_category_code: "5734",
  ...extra,
});

describe("1. cards.create with cardholder_id adds the KYC fields the product needs", () => {
  it("issues an ENHANCED card to a SIMPLIFIED cardholder given nationality, address, identity and kyc_verification", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const holderId = await successHolder(api);
    const res = await api.post(CARDS, {
      card_currency: "SGD",
      cardholder_id: holderId,
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_required_fields: enhancedKyc("1"),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ card_status: "PENDING", cardholder_status: "SUCCESS" });
    sim.flush();
    expect((await api.get(`${CARDS}/${res.body.card_id}`)).body.card_status).toBe("ACTIVE");
    const stored = await api.get(`${HOLDERS}/${holderId}`);
    expect(stored.body).toMatchObject({ nationality: "SG", residential_address: address });
    expect(sim.ctx.webhooks.events.map((e) => e.event_type)).toContain("cardholder.updated");
  });

  it("accepts the complete set with cardholder_id when the identifying fields are the cardholder's", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const basic = holder();
    const holderId = await successHolder(api, basic);
    const res = await api.post(CARDS, {
      card_currency: "USD",
      cardholder_id: holderId,
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_required_fields: {
        ...basic,
        email: String(basic.email).toUpperCase(),
        ...enhancedKyc("2"),
      },
    });
    expect(res.status).toBe(201);
  });

  it("refuses identifying fields that differ from the cardholder's, naming the field, and changes nothing", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const holderId = await successHolder(api);
    const res = await api.post(CARDS, {
      card_currency: "SGD",
      cardholder_id: holderId,
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_required_fields: { ...enhancedKyc("3"), phone_number: "81111111" },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^cardholder_required_fields\.phone_number: /);
    expect(sim.ctx.state.cards.size).toBe(0);
    expect((await api.get(`${HOLDERS}/${holderId}`)).body.nationality).toBe("");
  });

  it("still answers kyc_insufficient, listing what is missing, when the added fields are not enough", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const holderId = await successHolder(api);
    const res = await api.post(CARDS, {
      card_currency: "SGD",
      cardholder_id: holderId,
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_required_fields: { nationality: "SG" },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("kyc_insufficient");
    expect(res.body.missing_fields.map((f: { name: string }) => f.name)).toEqual([
      "residential_address",
      "identity",
      "kyc_verification",
    ]);
    expect((await api.get(`${HOLDERS}/${holderId}`)).body.nationality).toBe("");
  });

  it("lets the added documents finish the review of a cardholder not yet verified", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const incomplete = await api.post(HOLDERS, holder({ identity: idCard("INCOMPLETE-1") }));
    expect(incomplete.body.cardholder_status).toBe("INCOMPLETE");
    const res = await api.post(CARDS, {
      card_currency: "SGD",
      cardholder_id: incomplete.body.cardholder_id,
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_required_fields: enhancedKyc("4"),
    });
    expect(res.status).toBe(201);
    expect(res.body.cardholder_status).toBe("SUCCESS");
    sim.flush();
    expect((await api.get(`${CARDS}/${res.body.card_id}`)).body.card_status).toBe("ACTIVE");
  });

  it("one-step mode (no cardholder_id) still needs the identifying fields, each named", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const { email, ...noEmail } = holder();
    void email;
    const res = await api.post(CARDS, {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_USD_40963608,
      cardholder_required_fields: noEmail,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^cardholder_required_fields\.email: is required/);
  });
});

describe("2. THIRD_PARTY KYC", () => {
  it("is SUCCESS in the create response, with no review pending", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const res = await api.post(HOLDERS, holder(enhancedKyc("5")));
    expect(res.status).toBe(201);
    expect(res.body.cardholder_status).toBe("SUCCESS");
    expect(sim.ctx.scheduler.pending()).toBe(0);
  });

  it("given in an update to a cardholder in review, makes it SUCCESS at once", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const pending = await api.post(
      HOLDERS,
      holder({ identity: idCard("REVIEW-1"), kyc_verification: { method: "SUMSUB_REDIRECT" } }),
    );
    expect(pending.body.cardholder_status).toBe("PENDING");
    expect(pending.body.idv_verification_url).not.toBe("");
    const res = await api.post(`${HOLDERS}/${pending.body.cardholder_id}`, {
      identity: idCard("S6"),
      kyc_verification: thirdParty("6"),
    });
    expect(res.body.cardholder_status).toBe("SUCCESS");
    expect(res.body).not.toHaveProperty("idv_verification_url");
  });

  it("given later, releases a card that was waiting on the cardholder's review", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const oneStep = await api.post(CARDS, {
      card_currency: "SGD",
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
      cardholder_required_fields: holder({
        ...enhancedKyc("9"),
        identity: idCard("REVIEW-9"),
        kyc_verification: { method: "SUMSUB_REDIRECT" },
      }),
    });
    expect(oneStep.body).toMatchObject({ cardholder_status: "PENDING", card_status: "PENDING" });
    sim.flush();
    const cardUrl = `${CARDS}/${oneStep.body.card_id}`;
    expect((await api.get(cardUrl)).body.card_status).toBe("PENDING");
    await api.post(`${HOLDERS}/${oneStep.body.cardholder_id}`, {
      kyc_verification: thirdParty("9"),
    });
    sim.flush();
    expect((await api.get(cardUrl)).body.card_status).toBe("ACTIVE");
  });
});

describe("3. unset cardholder fields", () => {
  it("are left out, never {} or an empty gender, in retrieve, list and the card's cardholder", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const cardId = await activeCard(sim, api);
    const card = await api.get(`${CARDS}/${cardId}`);
    const one = await api.get(`${HOLDERS}/${card.body.cardholder.cardholder_id}`);
    const listed = (await api.get(`${HOLDERS}?page_size=10&page_number=1`)).body.data[0];
    for (const view of [one.body, listed, card.body.cardholder]) {
      expect(view).not.toHaveProperty("residential_address");
      expect(view).not.toHaveProperty("delivery_address");
      expect(view).not.toHaveProperty("gender");
    }
  });
});

describe("4. gender OTHER (the SDK's Gender type)", () => {
  it("is accepted and returned", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const id = await successHolder(api, { gender: "OTHER" });
    expect((await api.get(`${HOLDERS}/${id}`)).body.gender).toBe("OTHER");
    expect((await api.post(`${HOLDERS}/${id}`, { gender: "FEMALE" })).status).toBe(200);
    expect((await api.get(`${HOLDERS}/${id}`)).body.gender).toBe("FEMALE");
  });
});

describe("5. risk controls", () => {
  for (const control of ["allow_contactless", "allow_atm", "allow_online"]) {
    it(`refuses the SDK's ${control} by name instead of dropping it`, async () => {
      sim = await startSim();
      const api = await sdk(sim);
      const res = await api.post(CARDS, {
        card_currency: "USD",
        cardholder_id: await successHolder(api),
        card_product_id: SIM_PRODUCT_USD_40963608,
        risk_controls: { [control]: false },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(new RegExp(`^risk_controls\\.${control}: is not a UQPay`));
      expect(sim.ctx.state.cards.size).toBe(0);
      const cardId = await activeCard(sim, api);
      const upd = await api.post(`${CARDS}/${cardId}`, { risk_controls: { [control]: true } });
      expect(upd.status).toBe(400);
    });
  }

  it("stores and returns the documented controls", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const risk = { allow_3ds_transactions: "N", enable_3ds: "Y", blocked_mcc: ["7995"] };
    const cardId = await activeCard(sim, api, { risk_controls: risk });
    expect((await api.get(`${CARDS}/${cardId}`)).body.risk_controls).toEqual(risk);
  });

  it("makes simulated authorizations obey blocked_mcc and allowed_mcc", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const blocked = await activeCard(sim, api, { risk_controls: { blocked_mcc: ["5734"] } });
    const notAllowed = await activeCard(sim, api, { risk_controls: { allowed_mcc: ["5411"] } });
    const allowed = await activeCard(sim, api, { risk_controls: { allowed_mcc: ["5734"] } });
    for (const cardId of [blocked, notAllowed]) {
      const res = await api.post(AUTH, authorization(cardId));
      expect(res.body).toMatchObject({
        transaction_status: "DECLINED",
        failure_reason: "1057 - Merchant Category Not Allowed",
      });
      expect((await api.get(`${CARDS}/${cardId}`)).body.available_balance).toBe(100);
    }
    const ok = await api.post(AUTH, authorization(allowed));
    expect(ok.body.transaction_status).toBe("APPROVED");
    // Lifting the block through an update lets the next authorization through.
    await api.post(`${CARDS}/${blocked}`, { risk_controls: { blocked_mcc: null } });
    sim.flush();
    expect((await api.post(AUTH, authorization(blocked))).body.transaction_status).toBe("APPROVED");
  });

  it("refuses allowed_mcc together with blocked_mcc, on create and by update", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const both = await api.post(CARDS, {
      card_currency: "USD",
      cardholder_id: await successHolder(api),
      card_product_id: SIM_PRODUCT_USD_40963608,
      risk_controls: { allowed_mcc: ["5734"], blocked_mcc: ["7995"] },
    });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/^risk_controls\.blocked_mcc: /);
    const cardId = await activeCard(sim, api, { risk_controls: { blocked_mcc: ["7995"] } });
    const upd = await api.post(`${CARDS}/${cardId}`, { risk_controls: { allowed_mcc: ["5734"] } });
    expect(upd.status).toBe(400);
    expect((await api.get(`${CARDS}/${cardId}`)).body.risk_controls.allowed_mcc).toBeUndefined();
    const switched = await api.post(`${CARDS}/${cardId}`, {
      risk_controls: { allowed_mcc: ["5734"], blocked_mcc: null },
    });
    expect(switched.status).toBe(200);
  });

  it("refuses an MCC that is not four digits", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const res = await api.post(CARDS, {
      card_currency: "USD",
      cardholder_id: await successHolder(api),
      card_product_id: SIM_PRODUCT_USD_40963608,
      risk_controls: { blocked_mcc: ["gambling"] },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^risk_controls\.blocked_mcc\.0: /);
  });
});

describe("6. simulated authorization with transaction_status", () => {
  it("DECLINED gives a declined authorization that moves no money", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const cardId = await activeCard(sim, api);
    const res = await api.post(AUTH, authorization(cardId, { transaction_status: "DECLINED" }));
    expect(res.status).toBe(200);
    expect(res.body.transaction_status).toBe("DECLINED");
    expect(res.body.failure_reason).not.toBe("");
    expect(res.body.authorization_code).toBe("");
    expect((await api.get(`${CARDS}/${cardId}`)).body.available_balance).toBe(100);
    const tx = await api.get(`/v1/issuing/transactions/${res.body.transaction_id}`);
    expect(tx.body.transaction_status).toBe("DECLINED");
    const reversal = await api.post("/v1/simulation/issuing/reversal", {
      transaction_id: res.body.transaction_id,
    });
    expect(reversal.status).toBe(400);
  });

  it("APPROVED is an ordinary attempt: the card's rules still decline it", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const cardId = await activeCard(sim, api);
    const ok = await api.post(AUTH, authorization(cardId, { transaction_status: "APPROVED" }));
    expect(ok.body.transaction_status).toBe("APPROVED");
    const tooMuch = await api.post(
      AUTH,
      authorization(cardId, { transaction_amount: 500, transaction_status: "APPROVED" }),
    );
    expect(tooMuch.body).toMatchObject({
      transaction_status: "DECLINED",
      failure_reason: "1116 - Insufficient Funds",
    });
    const odd = await api.post(AUTH, authorization(cardId, { transaction_status: "PENDING" }));
    expect(odd.status).toBe(400);
    expect(odd.body.message).toMatch(/^transaction_status: /);
  });
});

describe("7. cards.assign and the deposit simulation", () => {
  /** A Luhn-valid number on the physical-capable BIN 46651711. */
  const physical = (serial: string) => {
    const body = `46651711${serial.padStart(7, "0")}`;
    return body + luhnCheckDigit(body);
  };

  it("assigns a physical card, PENDING until activated", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const holderId = await successHolder(api, enhancedKyc("7"));
    const pan = physical("1");
    const res = await api.post(`${CARDS}/assign`, {
      cardholder_id: holderId,
      card_number: pan,
      card_currency: "SGD",
      card_mode: "SINGLE",
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      "card_id",
      "card_order_id",
      "card_status",
      "cardholder_status",
      "create_time",
      "order_status",
    ]);
    expect(res.body).toMatchObject({ card_status: "PENDING", order_status: "SUCCESS" });
    const card = await api.get(`${CARDS}/${res.body.card_id}`);
    expect(card.body).toMatchObject({
      form_factor: "PHYSICAL",
      card_product_id: SIM_PRODUCT_ENHANCED_46651711,
    });
    expect(card.body.card_number).toBe(`************${pan.slice(-4)}`);
    const activated = await api.post(`${CARDS}/activate`, {
      card_id: res.body.card_id,
      activation_code: "123456",
      pin: "246810",
    });
    expect(activated.body).toEqual({ request_status: "SUCCESS" });
    expect((await api.get(`${CARDS}/${res.body.card_id}`)).body.card_status).toBe("ACTIVE");
    const again = await api.post(`${CARDS}/assign`, {
      cardholder_id: holderId,
      card_number: pan,
      card_currency: "SGD",
      card_mode: "SINGLE",
    });
    expect(again.body.code).toBe("card_already_assigned");
  });

  it("refuses numbers that are not physical stock, and cardholders without the product's KYC", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const enhanced = await successHolder(api, enhancedKyc("8"));
    const simplified = await successHolder(api);
    const assign = (cardholder_id: string, card_number: string, card_mode = "SINGLE") =>
      api.post(`${CARDS}/assign`, { cardholder_id, card_number, card_currency: "SGD", card_mode });
    const virtualBin = `40963608${"1".repeat(7)}`;
    const luhnBroken = `${physical("2").slice(0, 15)}${(Number(physical("2").slice(15)) + 1) % 10}`;
    for (const res of [
      await assign(enhanced, virtualBin + luhnCheckDigit(virtualBin)),
      await assign(enhanced, luhnBroken),
      await assign(enhanced, physical("2"), "SHARE"),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("card_not_found");
    }
    const noKyc = await assign(simplified, physical("3"));
    expect(noKyc.body.code).toBe("kyc_insufficient");
    const badBody = await api.post(`${CARDS}/assign`, {
      cardholder_id: enhanced,
      card_number: "123",
    });
    expect(badBody.body.message).toMatch(/^card_number: /);
    expect(sim.ctx.state.cards.size).toBe(0);
  });

  it("simulates a deposit into the account as the SDK sends it, crediting the balance", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const before = (await api.post("/v1/issuing/balances", { currency: "USD" })).body;
    const res = await api.post("/v1/simulation/deposit", {
      account_id: api.accountId,
      amount: 250.5,
      currency: "USD",
      sender_swift_code: "DBSSSGSGXXX",
      sender_name: "Ann Lee",
      sender_country: "SG",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      amount: "250.5",
      currency: "USD",
      deposit_status: "COMPLETED",
      sender: { sender_name: "Ann Lee", sender_country: "SG", sender_swift_code: "DBSSSGSGXXX" },
    });
    const after = (await api.post("/v1/issuing/balances", { currency: "USD" })).body;
    expect(after.available_balance).toBe(before.available_balance + 250.5);
    const ledger = await api.get("/v1/issuing/balances/transactions?page_size=10&page_number=1");
    expect(
      ledger.body.data.some((t: { description: string }) =>
        t.description.includes(res.body.deposit_id),
      ),
    ).toBe(true);
  });

  it("refuses a deposit to another account or without a SWIFT code, moving nothing", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const body = {
      account_id: api.accountId,
      amount: 10,
      currency: "USD",
      sender_swift_code: "DBSSSGSG",
    };
    const other = await api.post("/v1/simulation/deposit", { ...body, account_id: randomUUID() });
    expect(other.body.code).toBe("sub_account_not_found");
    const { sender_swift_code, ...noSwift } = body;
    void sender_swift_code;
    const missing = await api.post("/v1/simulation/deposit", noSwift);
    expect(missing.body.message).toMatch(/^sender_swift_code: /);
    const negative = await api.post("/v1/simulation/deposit", { ...body, amount: -5 });
    expect(negative.body.message).toMatch(/^amount: /);
    expect(sim.ctx.state.balances.get("USD")?.available).toBe(10_000_000 * 100);
  });
});

describe("8. webhook timestamps after POST /__sim/clock", () => {
  it("stay wall-clock time, so the SDK's 300 s tolerance accepts them", async () => {
    const got: { headers: IncomingHttpHeaders; raw: string }[] = [];
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        got.push({ headers: req.headers, raw });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const wallClock = Date.UTC(2026, 0, 15, 12, 0, 0);
    sim = await startSim({ now: () => wallClock, webhook: { url, secret: "whsec_sdk" } });
    const moved = await sim.app.inject({
      method: "POST",
      url: "/__sim/clock",
      headers: ADMIN,
      payload: { advanceSeconds: 3600 },
    });
    expect(moved.json().now).toBe(wallClock + 3600_000);
    const api = await sdk(sim);
    const id = await successHolder(api);
    await api.post(`${HOLDERS}/${id}`, { nationality: "SG" });
    await until(() => got.length >= 1, "the cardholder.updated webhook");
    const hook = got[0];
    const ts = String(hook?.headers["x-wk-timestamp"]);
    // The SDK's check: HMAC-SHA512(secret, body + timestamp), and |now - ts| <= 300 s.
    const expected = createHmac("sha512", "whsec_sdk")
      .update((hook?.raw ?? "") + ts)
      .digest("hex");
    const sig = String(hook?.headers["x-wk-signature"]);
    expect(timingSafeEqual(Buffer.from(sig), Buffer.from(expected))).toBe(true);
    expect(Math.abs(Math.floor(wallClock / 1000) - Number(ts))).toBeLessThanOrEqual(300);
    expect(ts).toBe(String(wallClock / 1000));
  });
});

describe("9. amounts follow the fact sheet where it is explicit", () => {
  it("keep no_pin_payment_amount[].amount a string, as the fact sheet says ([G])", async () => {
    sim = await startSim();
    const api = await sdk(sim);
    const products = await api.get("/v1/issuing/products?page_size=10&page_number=1");
    const single = products.body.data.find(
      (p: { product_id: string }) => p.product_id === SIM_PRODUCT_USD_SINGLE_40963608,
    );
    expect(typeof single.no_pin_payment_amount[0].amount).toBe("string");
  });
});
