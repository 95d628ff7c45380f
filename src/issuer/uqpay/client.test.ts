import { createServer } from "node:net";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createUqpayClient } from "./client.ts";
import { UqpayError } from "./errors.ts";
import { cannedFetch, startFakeUpstream } from "./testing/fake-upstream.ts";

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>;
let fake: Fake;
beforeEach(async () => {
  fake = await startFakeUpstream();
});
afterEach(async () => {
  await fake.close();
});

const KEY = "8f14e45f-ceea-467f-a0e6-3b5b5a5a0c11";
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const holderBody = {
  email: "a@b.co",
  first_name: "Ann",
  last_name: "Lee",
  country_code: "SG",
  phone_number: "81234567",
};

function client(extra: Partial<Parameters<typeof createUqpayClient>[0]> = {}) {
  return createUqpayClient({
    baseUrl: fake.baseUrl,
    clientId: "cid",
    apiKey: "secret-key",
    retryBaseMs: 1,
    retryMaxDelayMs: 5,
    ...extra,
  });
}

async function failure(p: Promise<unknown>): Promise<UqpayError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UqpayError);
    return err as UqpayError;
  }
  throw new Error("expected a failure");
}

describe("token", () => {
  it("fetches one token for concurrent callers and sends it as Bearer on business calls", async () => {
    fake.on("GET", "/v1/issuing/cardholders/h1", () => ({
      cardholder_id: "h1",
      cardholder_status: "SUCCESS",
    }));
    const c = client({ onBehalfOf: "2b0b5c0e-0000-4000-8000-000000000001" });
    await Promise.all(Array.from({ length: 10 }, () => c.cardholders.retrieve("h1")));
    const tokenCalls = fake.callsTo("POST", "/v1/connect/token");
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]?.headers["x-client-id"]).toBe("cid");
    expect(tokenCalls[0]?.headers["x-api-key"]).toBe("secret-key");
    const biz = fake.callsTo("GET", "/v1/issuing/cardholders/h1");
    expect(biz).toHaveLength(10);
    for (const call of biz) {
      expect(call.headers["x-auth-token"]).toBe("Bearer h.p1.s");
      expect(call.headers["x-on-behalf-of"]).toBe("2b0b5c0e-0000-4000-8000-000000000001");
    }
  });

  it("refreshes when fewer than 60 s remain", async () => {
    let now = 1_000_000_000_000;
    fake.on("POST", "/v1/connect/token", (_q, _r, n) => ({
      auth_token: `t.${n}.x`,
      expired_at: Math.floor(now / 1000) + 120,
    }));
    fake.on("GET", "/v1/issuing/products", () => ({ total_pages: 0, total_items: 0, data: [] }));
    const c = client({ now: () => now });
    await c.products.list();
    await c.products.list();
    expect(fake.callsTo("POST", "/v1/connect/token")).toHaveLength(1);
    now += 61_000; // 59 s left
    await c.products.list();
    expect(fake.callsTo("POST", "/v1/connect/token")).toHaveLength(2);
    expect(fake.callsTo("GET", "/v1/issuing/products")[2]?.headers["x-auth-token"]).toBe(
      "Bearer t.2.x",
    );
  });

  it("on a 401 'token has expired' gets a new token and retries once with the same idempotency key", async () => {
    fake.on("POST", "/v1/issuing/cardholders", (_q, reply, n) =>
      n === 1
        ? reply.code(401).send({ error: "token has expired" })
        : { cardholder_id: "h1", cardholder_status: "PENDING" },
    );
    const res = await client().cardholders.create(holderBody, { idempotencyKey: KEY });
    expect(res.cardholder_id).toBe("h1");
    expect(fake.callsTo("POST", "/v1/connect/token")).toHaveLength(2);
    const posts = fake.callsTo("POST", "/v1/issuing/cardholders");
    expect(posts.map((p) => p.headers["x-idempotency-key"])).toEqual([KEY, KEY]);
    expect(posts[1]?.headers["x-auth-token"]).toBe("Bearer h.p2.s");
  });

  it("retries a token-expired 401 only once, and other 401s not at all", async () => {
    fake.on("GET", "/v1/issuing/cards/c1", (_q, reply) =>
      reply
        .code(401)
        .send({ type: "unauthorized_error", code: "unauthorized_error", message: "jwt expired" }),
    );
    const e1 = await failure(client().cards.retrieve("c1"));
    expect(e1.kind).toBe("api");
    expect(e1.httpStatus).toBe(401);
    expect(fake.callsTo("GET", "/v1/issuing/cards/c1")).toHaveLength(2);

    fake.on("GET", "/v1/issuing/cards/c2", (_q, reply) =>
      reply.code(401).send({ error: "ip not allowed" }),
    );
    const e2 = await failure(client().cards.retrieve("c2"));
    expect(e2.message).toContain("ip not allowed");
    expect(fake.callsTo("GET", "/v1/issuing/cards/c2")).toHaveLength(1);
  });

  it("surfaces a token endpoint failure as a typed error", async () => {
    fake.on("POST", "/v1/connect/token", (_q, reply) =>
      reply.code(400).send({ code: 400, message: "Invalid client id" }),
    );
    const err = await failure(client().products.list());
    expect(err).toMatchObject({
      kind: "api",
      httpStatus: 400,
      code: "400",
      message: "Invalid client id",
    });
  });
});

describe("idempotency keys", () => {
  it("requires a caller key on creating and money-moving calls", async () => {
    const c = client();
    const untyped = c.cards.create as (body: unknown, call?: unknown) => Promise<unknown>;
    await expect(async () =>
      untyped({ card_currency: "USD", card_product_id: "p" }),
    ).rejects.toThrow(TypeError);
    await expect(async () =>
      c.cards.recharge("c1", { amount: 1 }, { idempotencyKey: "not-a-uuid" }),
    ).rejects.toThrow(TypeError);
    expect(fake.calls).toHaveLength(0);
  });

  it("generates a v4 key on other POSTs and sends none on GETs", async () => {
    fake.on("POST", "/v1/issuing/balances", () => ({ currency: "USD", available_balance: "10.5" }));
    fake.on("GET", "/v1/issuing/balances", () => ({ total_pages: 1, total_items: 1, data: [] }));
    const c = client();
    const bal = await c.balances.retrieve("USD");
    expect(bal.available_balance).toBe("10.5");
    await c.balances.list();
    expect(fake.callsTo("POST", "/v1/issuing/balances")[0]?.headers["x-idempotency-key"]).toMatch(
      UUID_V4,
    );
    expect(fake.callsTo("POST", "/v1/issuing/balances")[0]?.body).toEqual({ currency: "USD" });
    expect(
      fake.callsTo("GET", "/v1/issuing/balances")[0]?.headers["x-idempotency-key"],
    ).toBeUndefined();
  });
});

describe("retries", () => {
  it("retries a POST on 500 api_error with the same key", async () => {
    fake.on("POST", "/v1/issuing/cards", (_q, reply, n) =>
      n < 3
        ? reply.code(500).send({ type: "api_error", code: "api_error", message: "internal" })
        : { card_id: "c1", card_order_id: "o1", card_status: "PENDING", order_status: "PENDING" },
    );
    const res = await client().cards.create(
      { card_currency: "USD", card_product_id: "p" },
      { idempotencyKey: KEY },
    );
    expect(res.card_id).toBe("c1");
    const keys = fake
      .callsTo("POST", "/v1/issuing/cards")
      .map((c) => c.headers["x-idempotency-key"]);
    expect(keys).toEqual([KEY, KEY, KEY]);
  });

  it("does not retry a POST on other 5xx and reports the outcome as unknown", async () => {
    fake.on("POST", "/v1/issuing/cards/c1/recharge", (_q, reply) =>
      reply.code(502).send("<html>bad gateway</html>"),
    );
    const err = await failure(
      client().cards.recharge("c1", { amount: 5 }, { idempotencyKey: KEY }),
    );
    expect(err).toMatchObject({ kind: "api", httpStatus: 502, outcomeUnknown: true, attempts: 1 });
    expect(fake.callsTo("POST", "/v1/issuing/cards/c1/recharge")).toHaveLength(1);
  });

  it("retries GETs on 5xx up to maxRetries", async () => {
    fake.on("GET", "/v1/issuing/cards/c1", (_q, reply, n) =>
      n < 3
        ? reply.code(503).send({})
        : { card_id: "c1", card_number: "****1111", card_status: "ACTIVE", card_currency: "USD" },
    );
    expect((await client().cards.retrieve("c1")).card_status).toBe("ACTIVE");
    fake.on("GET", "/v1/issuing/cards/c2", (_q, reply) => reply.code(503).send({}));
    const err = await failure(client({ maxRetries: 1 }).cards.retrieve("c2"));
    expect(err).toMatchObject({ kind: "api", httpStatus: 503, attempts: 2, outcomeUnknown: false });
  });

  it("honours a short Retry-After on 429, for POSTs too", async () => {
    fake.on("POST", "/v1/issuing/cards/c1/withdraw", (_q, reply, n) =>
      n === 1
        ? reply
            .code(429)
            .header("retry-after", "0.2")
            .send({ code: "too_many_requests", message: "slow down" })
        : { card_order_id: "o2", order_status: "SUCCESS", amount: "5.00" },
    );
    const t0 = Date.now();
    const res = await client().cards.withdraw("c1", { amount: 5 }, { idempotencyKey: KEY });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    expect(res.amount).toBe("5.00");
  });

  it("gives up at once when Retry-After is longer than it will wait", async () => {
    fake.on("GET", "/v1/issuing/products", (_q, reply) =>
      reply
        .code(429)
        .header("retry-after", "120")
        .send({ code: "too_many_requests", message: "slow down" }),
    );
    const err = await failure(client().products.list());
    expect(err).toMatchObject({ kind: "rate_limited", retryAfterMs: 120_000, httpStatus: 429 });
    expect(fake.callsTo("GET", "/v1/issuing/products")).toHaveLength(1);
  });

  it("retries a POST while the first request with the key is still processing", async () => {
    fake.on("POST", "/v1/simulation/issuing/reversal", (_q, reply, n) =>
      n === 1
        ? reply.code(400).send({ code: 400, message: "request is processing" })
        : { transaction_id: "t2", transaction_status: "APPROVED", billing_amount: 10 },
    );
    const res = await client().simulation.reversal(
      { transaction_id: "t1" },
      { idempotencyKey: KEY },
    );
    expect(res.billing_amount).toBe("10");
  });
});

describe("transport failures", () => {
  it("a hung POST is a timeout with unknown outcome, never retried", async () => {
    fake.on("POST", "/v1/issuing/cards", () => new Promise(() => {}));
    const err = await failure(
      client({ timeoutMs: 150 }).cards.create(
        { card_currency: "USD", card_product_id: "p" },
        { idempotencyKey: KEY },
      ),
    );
    expect(err).toMatchObject({ kind: "timeout", outcomeUnknown: true, attempts: 1 });
    expect(fake.callsTo("POST", "/v1/issuing/cards")).toHaveLength(1);
  });

  it("a hung GET is retried, then reported as a timeout", async () => {
    fake.on("GET", "/v1/issuing/cards/c1", () => new Promise(() => {}));
    const err = await failure(client({ timeoutMs: 100, maxRetries: 1 }).cards.retrieve("c1"));
    expect(err).toMatchObject({ kind: "timeout", attempts: 2 });
    expect(fake.callsTo("GET", "/v1/issuing/cards/c1")).toHaveLength(2);
  });

  it("a socket reset on a POST is a network error that may have been sent", async () => {
    fake.on("POST", "/v1/issuing/cards", (req, reply) => {
      reply.hijack();
      req.raw.socket.destroy();
    });
    const err = await failure(
      client().cards.create(
        { card_currency: "USD", card_product_id: "p" },
        { idempotencyKey: KEY },
      ),
    );
    expect(err).toMatchObject({ kind: "network", mayHaveBeenSent: true, outcomeUnknown: true });
    expect(fake.callsTo("POST", "/v1/issuing/cards")).toHaveLength(1);
  });

  it("a socket reset on a GET is retried", async () => {
    fake.on("GET", "/v1/issuing/cards/c1", (req, reply, n) => {
      if (n === 1) {
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      return {
        card_id: "c1",
        card_number: "****1111",
        card_status: "ACTIVE",
        card_currency: "USD",
      };
    });
    expect((await client().cards.retrieve("c1")).card_id).toBe("c1");
  });

  it("connection refused is retried even for POSTs, then reported as never sent", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const a = s.address();
        s.close(() => resolve(typeof a === "object" && a ? a.port : 1));
      });
    });
    const c = createUqpayClient({
      baseUrl: `http://127.0.0.1:${port}/api`,
      clientId: "c",
      apiKey: "k",
      retryBaseMs: 1,
    });
    const err = await failure(c.products.list());
    expect(err).toMatchObject({
      kind: "network",
      mayHaveBeenSent: false,
      outcomeUnknown: false,
      attempts: 3,
    });
  });
});

describe("bodies", () => {
  it("reads legacy and {error} error bodies and garbage without crashing", async () => {
    fake.on("GET", "/v1/issuing/cards/a", (_q, r) =>
      r.code(400).send({
        type: "card_error",
        code: "card_not_found",
        message: "card not found or deactivated",
      }),
    );
    fake.on("GET", "/v1/issuing/cards/b", (_q, r) =>
      r.code(400).send({ code: 200, message: "bad thing" }),
    );
    fake.on("GET", "/v1/issuing/cards/c", (_q, r) => r.code(403).send({ error: "forbidden" }));
    fake.on("GET", "/v1/issuing/cards/d", (_q, r) =>
      r.code(400).header("content-type", "text/plain").send("\u0000{oops"),
    );
    const c = client();
    expect(await failure(c.cards.retrieve("a"))).toMatchObject({
      kind: "api",
      type: "card_error",
      code: "card_not_found",
    });
    expect(await failure(c.cards.retrieve("b"))).toMatchObject({
      kind: "api",
      httpStatus: 400,
      code: "200",
      message: "bad thing",
    });
    expect(await failure(c.cards.retrieve("c"))).toMatchObject({
      kind: "api",
      httpStatus: 403,
      message: "forbidden",
    });
    expect(await failure(c.cards.retrieve("d"))).toMatchObject({ kind: "api", httpStatus: 400 });
  });

  it("a 200 that is not JSON, or not the documented shape, is malformed_response", async () => {
    fake.on("POST", "/v1/issuing/cards", (_q, r) =>
      r.header("content-type", "application/json").send('{"card_id":'),
    );
    fake.on("GET", "/v1/issuing/cards/x", () => ({ card_id: 42 }));
    const c = client();
    const e1 = await failure(
      c.cards.create({ card_currency: "USD", card_product_id: "p" }, { idempotencyKey: KEY }),
    );
    expect(e1).toMatchObject({ kind: "malformed_response", outcomeUnknown: true });
    expect(fake.callsTo("POST", "/v1/issuing/cards")).toHaveLength(1);
    const e2 = await failure(c.cards.retrieve("x"));
    expect(e2).toMatchObject({ kind: "malformed_response", outcomeUnknown: false });
  });

  it("accepts amounts as numbers or strings and exposes decimal strings", async () => {
    fake.on("GET", "/v1/issuing/cards/c1", () => ({
      card_id: "c1",
      card_number: "************5668",
      card_status: "ACTIVE",
      card_currency: "USD",
      card_limit: "100.50",
      available_balance: 20,
      consumed_amount: "51.00",
      no_pin_payment_amount: "2000USD",
      spending_controls: [{ amount: "200", interval: "PER_TRANSACTION" }],
      metadata: null,
      unknown_new_field: { x: 1 },
    }));
    const card = await client().cards.retrieve("c1");
    expect(card).toMatchObject({
      card_limit: "100.50",
      available_balance: "20",
      consumed_amount: "51.00",
    });
    expect(card.spending_controls?.[0]?.amount).toBe("200");
  });

  // FIDELITY.md "Amount types": the docs, the sandbox and the Node SDK disagree field by field.
  it("reads every other amount as a number or a string too: balances, ledger, transactions, transfers, products", async () => {
    const forms = [10.5, "10.50"] as const;
    for (const [i, form] of forms.entries()) {
      const page = (item: object) => () => ({ total_pages: 1, total_items: 1, data: [item] });
      fake.on(
        "GET",
        "/v1/issuing/balances",
        page({
          currency: "USD",
          available_balance: form,
          margin_balance: form,
          frozen_balance: form,
        }),
      );
      fake.on(
        "GET",
        "/v1/issuing/balances/transactions",
        page({ transaction_id: "b1", amount: form, ending_balance: form }),
      );
      const tx = {
        transaction_id: "t1",
        transaction_fee: form,
        card_available_balance: form,
        billing_amount: form,
        transaction_amount: form,
      };
      fake.on("GET", "/v1/issuing/transactions/t1", () => tx);
      fake.on("POST", "/v1/simulation/issuing/authorization", () => tx);
      fake.on("GET", "/v1/issuing/transfers/x1", () => ({
        transfer_id: "x1",
        transfer_status: "COMPLETED",
        amount: form,
      }));
      fake.on(
        "GET",
        "/v1/issuing/products",
        page({
          product_id: "p1",
          mode_type: "SHARE",
          card_bin: "40963608",
          card_currency: ["USD"],
          no_pin_payment_amount: [{ amount: form, currency: "USD" }],
          product_status: "ENABLED",
          kyc_level: "SIMPLIFIED",
        }),
      );
      const want = String(form);
      const c = client();
      const bal = (await c.balances.list()).data[0];
      expect([bal?.available_balance, bal?.margin_balance, bal?.frozen_balance]).toEqual([
        want,
        want,
        want,
      ]);
      const row = (await c.balances.transactions()).data[0];
      expect([row?.amount, row?.ending_balance]).toEqual([want, want]);
      for (const t of [
        await c.transactions.retrieve("t1"),
        await c.simulation.authorization(
          {
            card_id: "c1",
            transaction_amount: 10.5,
            transaction_currency: "USD",
            merchant_name: "Shop",
            merchant_category_code: "5734",
          },
          { idempotencyKey: `8f14e45f-ceea-467f-a0e6-3b5b5a5a0c2${i}` },
        ),
      ])
        expect([
          t.transaction_fee,
          t.card_available_balance,
          t.billing_amount,
          t.transaction_amount,
        ]).toEqual([want, want, want, want]);
      expect((await c.transfers.retrieve("x1")).amount).toBe(want);
      expect((await c.products.list()).data[0]?.no_pin_payment_amount?.[0]?.amount).toBe(want);
    }
  });

  it("sends paging as query and returns {total_pages,total_items,data}", async () => {
    fake.on("GET", "/v1/issuing/cardholders", () => ({
      total_pages: "3",
      total_items: 25,
      data: [
        { cardholder_id: "h1", cardholder_status: "SUCCESS", create_time: "2024-05-09 15:52:23" },
      ],
    }));
    const page = await client().cardholders.list({
      page_size: 10,
      page_number: 2,
      cardholder_status: "SUCCESS",
    });
    expect(page.total_pages).toBe(3);
    expect(page.data[0]?.create_time).toBe("2024-05-09 15:52:23");
    expect(fake.callsTo("GET", "/v1/issuing/cardholders")[0]?.url).toBe(
      "/api/v1/issuing/cardholders?page_size=10&page_number=2&cardholder_status=SUCCESS",
    );
  });

  it("never crashes on arbitrary bodies and statuses (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(200, 201, 400, 401, 403, 404, 429, 500, 502, 503),
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array().map((b) => Buffer.from(b).toString("latin1")),
        ),
        async (status, body) => {
          const c = createUqpayClient({
            baseUrl: "http://upstream.invalid/api",
            clientId: "c",
            apiKey: "k",
            maxRetries: 0,
            fetch: cannedFetch(() => new Response(body, { status })),
          });
          try {
            await c.cards.retrieve("c1");
          } catch (err) {
            expect(err).toBeInstanceOf(UqpayError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("logging", () => {
  it("logs one line per attempt with method, path, status, duration and attempt, and no secrets", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = {
      info: (o: Record<string, unknown>) => lines.push(o),
      warn: (o: Record<string, unknown>) => lines.push(o),
    };
    fake.on("GET", "/v1/issuing/cards/c1/secure", () => ({
      card_number: "4096360812345678",
      cvv: "123",
      expire_date: "12/28",
    }));
    fake.on("GET", "/v1/issuing/cards", (_q, r, n) =>
      n === 1 ? r.code(500).send({}) : { total_pages: 0, total_items: 0, data: [] },
    );
    const c = client({ logger });
    const secure = await c.cards.getSecure("c1");
    expect(secure.cvv).toBe("123");
    await c.cards.list({ card_number: "4096360812345678" });
    const business = lines.filter((l) => l.path !== "/v1/connect/token");
    expect(business).toHaveLength(3);
    expect(business[0]).toMatchObject({
      method: "GET",
      path: "/v1/issuing/cards/c1/secure",
      status: 200,
      attempt: 1,
    });
    expect(typeof business[0]?.durationMs).toBe("number");
    expect(business[2]).toMatchObject({ status: 200, attempt: 2 });
    const all = JSON.stringify(lines);
    expect(all).not.toContain("4096360812345678");
    expect(all).not.toContain("secret-key");
    expect(all).not.toContain("h.p1.s");
  });
});
