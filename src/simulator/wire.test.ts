/**
 * What a client written only from the fact sheet (not ours) would send and expect, over real HTTP
 * with plain fetch: headers the SDKs add everywhere, the number/string ambiguities the docs leave
 * open, paging defaults and bounds, error envelopes, unknown routes and JSON on every answer.
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { SIM_PRODUCT_USD_40963608, SIM_PRODUCT_USD_SINGLE_40963608 } from "./products.ts";
import { CLIENT, holder, startSim } from "./testkit.ts";

let sim: Simulator;
let base: string;
let token: string;

beforeAll(async () => {
  sim = await startSim({ cardActivationDelayMs: 0, orderDelayMs: 0 });
  await sim.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(sim.app.server.address() as AddressInfo).port}`;
  const res = await fetch(`${base}/api/v1/connect/token`, {
    method: "POST",
    headers: { "x-client-id": CLIENT.clientId, "x-api-key": CLIENT.apiKey },
  });
  token = ((await res.json()) as { auth_token: string }).auth_token;
});
afterAll(async () => {
  await sim?.close();
});

interface Opts {
  body?: unknown;
  headers?: Record<string, string>;
  bare?: boolean;
  noKey?: boolean;
}
async function call(method: string, path: string, o: Opts = {}) {
  const headers: Record<string, string> = {
    "x-auth-token": o.bare ? token : `Bearer ${token}`,
    // Like the SDKs: a fresh UUID v4 on every request, GETs included.
    ...(o.noKey ? {} : { "x-idempotency-key": randomUUID() }),
    ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
    ...o.headers,
  };
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: wire bodies are probed field by field
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: json as any };
}

async function activeCard(productId = SIM_PRODUCT_USD_40963608, limit: unknown = 100) {
  const ch = await call("POST", "/api/v1/issuing/cardholders", { body: holder() });
  expect(ch.status).toBeLessThan(300);
  const card = await call("POST", "/api/v1/issuing/cards", {
    body: {
      card_currency: "USD",
      card_product_id: productId,
      cardholder_id: ch.body.cardholder_id,
      card_limit: limit,
    },
  });
  expect(card.status, JSON.stringify(card.body)).toBeLessThan(300);
  sim.flush();
  return card.body.card_id as string;
}

describe("headers a fact-sheet client sends", () => {
  it("accepts x-idempotency-key on GETs (even a repeated one) and never replays GETs", async () => {
    const key = randomUUID();
    const a = await call("GET", "/api/v1/issuing/products", {
      headers: { "x-idempotency-key": key },
    });
    const b = await call("GET", "/api/v1/issuing/balances", {
      headers: { "x-idempotency-key": key },
    });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.data[0]).toHaveProperty("balance_id");
  });

  it("accepts the token bare or Bearer-prefixed, and a charset on the content type", async () => {
    expect((await call("GET", "/api/v1/issuing/products", { bare: true })).status).toBe(200);
    const res = await call("POST", "/api/v1/issuing/balances", {
      body: { currency: "USD" },
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(res.status).toBe(200);
    expect(res.body.currency).toBe("USD");
  });

  it("requires x-idempotency-key on POSTs (400 invalid_request_error)", async () => {
    const res = await call("POST", "/api/v1/issuing/balances", {
      body: { currency: "USD" },
      noKey: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe("invalid_request_error");
  });
});

describe("number-or-string ambiguities", () => {
  it("takes the MCC as the number 5734 or the string '5734', and amounts as numeric strings", async () => {
    const cardId = await activeCard();
    for (const [mcc, amount] of [
      [5734, 1],
      ["5734", "2.50"],
    ] as const) {
      const res = await call("POST", "/api/v1/simulation/issuing/authorization", {
        body: {
          card_id: cardId,
          transaction_amount: amount,
          transaction_currency: "USD",
          merchant_name: "Shop",
          merchant_category_code: mcc,
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.transaction_status).toBe("APPROVED");
    }
    const other = await call("POST", "/api/v1/simulation/issuing/authorization", {
      body: {
        card_id: cardId,
        transaction_amount: 1,
        transaction_currency: "USD",
        merchant_name: "Shop",
        merchant_category_code: "abc",
      },
    });
    expect(other.status).toBe(400);
  });

  it("takes card_limit and recharge/withdraw amounts as numbers or numeric strings", async () => {
    const cardId = await activeCard(SIM_PRODUCT_USD_SINGLE_40963608, "25.50");
    expect((await call("GET", `/api/v1/issuing/cards/${cardId}`)).body.available_balance).toBe(
      25.5,
    );
    const r = await call("POST", `/api/v1/issuing/cards/${cardId}/recharge`, {
      body: { amount: "10" },
    });
    expect(r.status).toBe(200);
    const w = await call("POST", `/api/v1/issuing/cards/${cardId}/withdraw`, {
      body: { amount: 5.5 },
    });
    expect(w.status).toBe(200);
    sim.flush();
    expect((await call("GET", `/api/v1/issuing/cards/${cardId}`)).body.available_balance).toBe(30);
    for (const amount of ["abc", "-1", "", "1e3", null, 0])
      expect(
        (await call("POST", `/api/v1/issuing/cards/${cardId}/recharge`, { body: { amount } }))
          .status,
        String(amount),
      ).toBe(400);
  });
});

describe("paging", () => {
  it("defaults to page 1 of 10 and answers {total_pages, total_items, data}", async () => {
    const res = await call("GET", "/api/v1/issuing/products");
    expect(Object.keys(res.body).sort()).toEqual(["data", "total_items", "total_pages"]);
    expect(res.body.total_items).toBe(res.body.data.length);
    expect(res.body.total_pages).toBe(1);
    for (const p of [
      "/api/v1/issuing/cards",
      "/api/v1/issuing/cardholders",
      "/api/v1/issuing/balances/transactions",
      "/api/v1/issuing/transactions",
    ]) {
      const list = await call("GET", p);
      expect(list.status, p).toBe(200);
      expect(Object.keys(list.body).sort(), p).toEqual(["data", "total_items", "total_pages"]);
      expect(list.body.data.length, p).toBeLessThanOrEqual(10);
    }
  });

  it("accepts page_size 10..100 and refuses outside with 400", async () => {
    for (const ok of ["10", "100", "55"])
      expect((await call("GET", `/api/v1/issuing/products?page_size=${ok}`)).status).toBe(200);
    for (const bad of ["9", "101", "0", "-1", "abc", "10.5"]) {
      const res = await call("GET", `/api/v1/issuing/cards?page_size=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body).toMatchObject({ type: "invalid_request_error" });
    }
    for (const bad of ["0", "-2", "x"])
      expect((await call("GET", `/api/v1/issuing/cards?page_number=${bad}`)).status, bad).toBe(400);
    const beyond = await call("GET", "/api/v1/issuing/products?page_number=99");
    expect(beyond.status).toBe(200);
    expect(beyond.body.data).toEqual([]);
  });
});

describe("errors and content types", () => {
  it("answers unknown routes with 404 and the error envelope, JSON", async () => {
    for (const [m, p] of [
      ["GET", "/api/v1/issuing/nope"],
      ["POST", "/api/v1/issuing/cards/x/y/z"],
      ["GET", "/nothing"],
      ["DELETE", "/api/v1/issuing/cards"],
    ] as const) {
      const res = await call(m, p);
      expect(res.status, p).toBe(404);
      expect(res.type, p).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(["code", "message", "type"]);
    }
  });

  it("uses {type, code, message} with the documented statuses", async () => {
    const missing = await call("GET", `/api/v1/issuing/cards/${randomUUID()}`);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      type: "card_error",
      code: "card_not_found",
      message: expect.any(String),
    });
    const unauth = await fetch(`${base}/api/v1/issuing/cards`);
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toMatchObject({
      type: "unauthorized_error",
      code: "unauthorized_error",
    });
    const badJson = await fetch(`${base}/api/v1/issuing/balances`, {
      method: "POST",
      headers: {
        "x-auth-token": `Bearer ${token}`,
        "x-idempotency-key": randomUUID(),
        "content-type": "application/json",
      },
      body: "{nope",
    });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await badJson.json()).toMatchObject({ type: "invalid_request_error" });
  });

  it("sends application/json on every answer: 200, 400, 401, 404, 429, 500", async () => {
    const seen = new Set<number>();
    const check = async (r: Promise<{ status: number; type: string }>) => {
      const res = await r;
      seen.add(res.status);
      expect(res.type, String(res.status)).toMatch(/^application\/json/);
    };
    await check(call("GET", "/api/v1/issuing/products"));
    await check(call("GET", "/api/v1/issuing/products?page_size=1"));
    await check(
      call("GET", "/api/v1/issuing/products", { headers: { "x-auth-token": "Bearer x" } }),
    );
    await check(call("GET", "/api/v1/issuing/nope"));
    sim.ctx.faults.add({ route: "GET /api/v1/issuing/balances", kind: "429", count: 1 });
    await check(call("GET", "/api/v1/issuing/balances"));
    sim.ctx.faults.add({ route: "GET /api/v1/issuing/balances", kind: "500", count: 1 });
    await check(call("GET", "/api/v1/issuing/balances"));
    expect([...seen].sort()).toEqual([200, 400, 401, 404, 429, 500]);
  });
});
