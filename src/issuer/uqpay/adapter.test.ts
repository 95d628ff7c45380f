import { describe, expect, it } from "vitest";
import { IssuerError, type SubmitCardholderInput } from "../port.ts";
import { createUqpayIssuer, normalizeExpiry, translateError } from "./adapter.ts";
import { createUqpayClient } from "./client.ts";
import { UqpayError } from "./errors.ts";
import { cannedFetch } from "./testing/fake-upstream.ts";

const KEY = "0b6e6a3c-2f55-4c47-9d1e-6a3f4f3c9a10";

type Answer = (url: string, init: RequestInit) => Response | Promise<Response>;
const requests: { url: string; init: RequestInit }[] = [];

function issuer(answer: Answer) {
  requests.length = 0;
  const client = createUqpayClient({
    baseUrl: "http://uqpay.test/api",
    clientId: "c",
    apiKey: "k",
    maxRetries: 0,
    fetch: cannedFetch((url, init) => {
      requests.push({ url, init });
      return answer(url, init);
    }),
  });
  return createUqpayIssuer(client);
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

async function issuerError(p: Promise<unknown>): Promise<IssuerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IssuerError);
    return err as IssuerError;
  }
  throw new Error("expected an IssuerError");
}

const holderInput: SubmitCardholderInput = {
  email: "ann@example.com",
  firstName: "Ann",
  lastName: "Lee",
  countryCode: "SG",
  mobile: "81234567",
  document: {
    type: "passport",
    number: "E123",
    front: { bytes: Buffer.from("img"), mime: "image/png" },
  },
};

describe("error translation", () => {
  const getCard = (answer: Answer) => issuerError(issuer(answer).getCard("c1"));

  it("4xx envelope → rejected, with our field names", async () => {
    const err = await issuerError(
      issuer(() =>
        json(400, {
          type: "invalid_request_error",
          code: "invalid_parameter",
          message: "phone_number length is invalid for country SG",
        }),
      ).submitCardholder(holderInput, { idempotencyKey: KEY }),
    );
    expect(err.kind).toBe("rejected");
    expect(err.detail).toMatchObject({
      httpStatus: 400,
      issuerType: "invalid_request_error",
      issuerCode: "invalid_parameter",
      fields: ["mobile"],
    });
  });

  it("kyc_insufficient missing_fields → rejected with our names", async () => {
    const err = await issuerError(
      issuer(() =>
        json(400, {
          type: "cardholder_error",
          code: "kyc_insufficient",
          message: "kyc insufficient",
          missing_fields: [
            { name: "date_of_birth", type: "string", required: true },
            { name: "nationality" },
          ],
        }),
      ).issueCard(
        {
          issuerCardholderId: "h",
          issuerProductId: "p",
          currency: "USD",
          amountMinor: 100n,
          cardRef: "r",
        },
        { idempotencyKey: KEY },
      ),
    );
    expect(err.kind).toBe("rejected");
    expect(err.detail.fields).toEqual(["kycDob", "nationality"]);
  });

  it("card_not_found / 404 → not_found", async () => {
    expect(
      (
        await getCard(() =>
          json(400, {
            type: "card_error",
            code: "card_not_found",
            message: "card not found or deactivated",
          }),
        )
      ).kind,
    ).toBe("not_found");
    expect((await getCard(() => new Response("no such route", { status: 404 }))).kind).toBe(
      "not_found",
    );
    expect(
      (await getCard(() => json(400, { code: 400, message: "Card does not exists" }))).kind,
    ).toBe("not_found");
  });

  it("401 / 403 / wrong sub-account → auth", async () => {
    expect((await getCard(() => json(401, { error: "ip not allowed" }))).kind).toBe("auth");
    expect(
      (
        await getCard(() =>
          json(403, { type: "unauthorized_error", code: "forbidden", message: "no" }),
        )
      ).kind,
    ).toBe("auth");
    expect(
      (
        await getCard(() =>
          json(400, { type: "account_error", code: "sub_account_not_found", message: "x" }),
        )
      ).kind,
    ).toBe("auth");
  });

  it("a token endpoint refusal (400 Invalid client id) → auth", async () => {
    const client = createUqpayClient({
      baseUrl: "http://uqpay.test/api",
      clientId: "wrong",
      apiKey: "k",
      fetch: async () => json(400, { code: 400, message: "Invalid client id" }),
    });
    const err = await issuerError(createUqpayIssuer(client).listProducts());
    expect(err.kind).toBe("auth");
  });

  it("429 → rate_limited with retryAfterMs", async () => {
    const err = await getCard(() =>
      json(429, { code: "too_many_requests", message: "slow" }, { "retry-after": "7" }),
    );
    expect(err.kind).toBe("rate_limited");
    expect(err.detail.retryAfterMs).toBe(7000);
  });

  it("5xx, timeout, reset and malformed bodies → unknown_outcome", async () => {
    expect(
      (await getCard(() => json(500, { type: "api_error", code: "api_error", message: "boom" })))
        .kind,
    ).toBe("unknown_outcome");
    expect((await getCard(() => new Response("<html>", { status: 502 }))).kind).toBe(
      "unknown_outcome",
    );
    expect(
      (
        await getCard(() => {
          throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
        })
      ).kind,
    ).toBe("unknown_outcome");
    expect(
      (
        await getCard(() => {
          throw new TypeError("fetch failed", {
            cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }),
          });
        })
      ).kind,
    ).toBe("unknown_outcome");
    expect((await getCard(() => new Response("{not json", { status: 200 }))).kind).toBe(
      "unknown_outcome",
    );
    expect((await getCard(() => json(200, { card_id: 1 }))).kind).toBe("unknown_outcome");
  });

  it("idempotency conflicts → unknown_outcome, never rejected", async () => {
    const err = await issuerError(
      issuer(() =>
        json(400, { type: "idempotency_error", code: "idempotency_error", message: "mismatch" }),
      ).issueCard(
        {
          issuerCardholderId: "h",
          issuerProductId: "p",
          currency: "USD",
          amountMinor: 100n,
          cardRef: "r",
        },
        { idempotencyKey: KEY },
      ),
    );
    expect(err.kind).toBe("unknown_outcome");
  });

  it("connection refused before sending → unavailable", async () => {
    const err = await getCard(() => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
      });
    });
    expect(err.kind).toBe("unavailable");
  });

  it("a missing docBack for an ID card is rejected before anything is sent", async () => {
    const err = await issuerError(
      issuer(() => json(200, {})).submitCardholder(
        { ...holderInput, document: { ...holderInput.document, type: "drivers_license" } },
        { idempotencyKey: KEY },
      ),
    );
    expect(err).toMatchObject({ kind: "rejected", detail: { fields: ["docBack"] } });
    expect(requests).toHaveLength(0);
  });

  it("passes IssuerErrors through and wraps anything else as unknown_outcome", () => {
    const e = new IssuerError("auth", "x");
    expect(translateError(e)).toBe(e);
    expect(translateError(new Error("bug")).kind).toBe("unknown_outcome");
    const api = new UqpayError("api", "weird", {
      method: "GET",
      path: "/",
      httpStatus: 302,
      outcomeUnknown: false,
      attempts: 1,
    });
    expect(translateError(api).kind).toBe("unknown_outcome");
  });
});

describe("results", () => {
  it("submits a cardholder with the caller's idempotency key", async () => {
    const res = await issuer(() =>
      json(201, { cardholder_id: "h1", cardholder_status: "PENDING" }),
    ).submitCardholder(holderInput, { idempotencyKey: KEY });
    expect(res).toEqual({ issuerCardholderId: "h1", status: "PENDING" });
    const req = requests[0];
    expect(new Headers(req?.init.headers).get("x-idempotency-key")).toBe(KEY);
    expect(JSON.parse(String(req?.init.body))).toMatchObject({
      phone_number: "81234567",
      identity: {
        type: "PASSPORT",
        number: "E123",
        front_file: Buffer.from("img").toString("base64"),
      },
    });
  });

  it("reads a cardholder, mapping missing fields and unknown statuses conservatively", async () => {
    const a = await issuer(() =>
      json(200, {
        cardholder_id: "h1",
        cardholder_status: "INCOMPLETE",
        missing_fields: ["identity.back_file"],
      }),
    ).getCardholder("h1");
    expect(a).toEqual({
      issuerCardholderId: "h1",
      status: "INCOMPLETE",
      missingFields: ["docBack"],
    });
    const b = await issuer(() =>
      json(200, { cardholder_id: "h1", cardholder_status: "UNDER_REVIEW" }),
    ).getCardholder("h1");
    expect(b.status).toBe("PENDING");
  });

  it("issues a card: amount in decimal, our id in metadata, order status normalised", async () => {
    const res = await issuer(() =>
      json(200, {
        card_id: "c1",
        card_order_id: "o1",
        card_status: "PENDING",
        order_status: "processing",
      }),
    ).issueCard(
      {
        issuerCardholderId: "h1",
        issuerProductId: "p1",
        currency: "USD",
        amountMinor: 2000n,
        cardRef: "card_9",
      },
      { idempotencyKey: KEY },
    );
    expect(res).toEqual({
      issuerCardId: "c1",
      issuerOrderId: "o1",
      status: "PENDING",
      orderStatus: "PROCESSING",
    });
    expect(JSON.parse(String(requests[0]?.init.body))).toEqual({
      cardholder_id: "h1",
      card_product_id: "p1",
      card_currency: "USD",
      card_limit: 20,
      metadata: { cardrail_card_id: "card_9" },
    });
  });

  it("reads card amounts given as numbers or strings into minor units", async () => {
    const card = await issuer(() =>
      json(200, {
        card_id: "c1",
        card_number: "************5668",
        card_status: "ACTIVE",
        card_currency: "USD",
        card_limit: "100.5",
        available_balance: 20.05,
      }),
    ).getCard("c1");
    expect(card).toEqual({
      issuerCardId: "c1",
      status: "ACTIVE",
      currency: "USD",
      maskedNumber: "************5668",
      availableMinor: 2005n,
      limitMinor: 10050n,
      controls: {},
    });
    const bad = await issuerError(
      issuer(() =>
        json(200, {
          card_id: "c1",
          card_number: "x",
          card_status: "ACTIVE",
          card_currency: "USD",
          available_balance: "1.234",
        }),
      ).getCard("c1"),
    );
    expect(bad.kind).toBe("unknown_outcome");
  });

  it("masks a full PAN should retrieve ever return one", async () => {
    const card = await issuer(() =>
      json(200, {
        card_id: "c1",
        card_number: "4096360812345668",
        card_status: "ACTIVE",
        card_currency: "USD",
      }),
    ).getCard("c1");
    expect(card.maskedNumber).toBe("************5668");
  });

  it("returns secure details with expiry as MM/YY", async () => {
    const s = await issuer(() =>
      json(200, { card_number: "4096360812345668", cvv: 7, expire_date: "12/2028" }),
    ).getSecureDetails("c1");
    expect(s).toEqual({ cardNumber: "4096360812345668", cvv: "007", expiryDate: "12/28" });
    expect(normalizeExpiry("2028-03")).toBe("03/28");
    expect(normalizeExpiry("0328")).toBe("03/28");
    expect(() => normalizeExpiry("soon")).toThrow(IssuerError);
  });

  it("lists every page of products and leaves out ones it cannot classify", async () => {
    const product = (id: string, extra: Record<string, unknown> = {}) => ({
      product_id: id,
      mode_type: "SHARE",
      card_bin: "40963608",
      card_currency: ["USD", "SGD"],
      product_status: "ENABLED",
      kyc_level: "SIMPLIFIED",
      ...extra,
    });
    const products = await issuer((url) => {
      const page = new URL(url).searchParams.get("page_number");
      return page === "1"
        ? json(200, {
            total_pages: 2,
            total_items: 3,
            data: [product("a"), product("b", { product_status: "DISABLED" })],
          })
        : json(200, {
            total_pages: 2,
            total_items: 3,
            data: [product("c", { mode_type: "WEIRD" })],
          });
    }).listProducts();
    expect(products).toEqual([
      {
        issuerProductId: "a",
        bin: "40963608",
        currencies: ["USD", "SGD"],
        enabled: true,
        modeType: "SHARE",
        kycLevel: "SIMPLIFIED",
      },
      {
        issuerProductId: "b",
        bin: "40963608",
        currencies: ["USD", "SGD"],
        enabled: false,
        modeType: "SHARE",
        kycLevel: "SIMPLIFIED",
      },
    ]);
    expect(requests.map((r) => new URL(r.url).search)).toEqual([
      "?page_size=100&page_number=1",
      "?page_size=100&page_number=2",
    ]);
  });
});
