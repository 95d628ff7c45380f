import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { SIM_PRODUCT_USD_40963608 } from "./products.ts";
import { client, holder, startSim, tokenFor } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => sim?.close());

describe("x-idempotency-key", () => {
  it("is required on business POSTs and must be a UUID", async () => {
    sim = await startSim();
    const token = await tokenFor(sim);
    for (const key of [undefined, "not-a-uuid"]) {
      const res = await sim.app.inject({
        method: "POST",
        url: "/api/v1/issuing/cardholders",
        headers: {
          "x-auth-token": `Bearer ${token}`,
          ...(key ? { "x-idempotency-key": key } : {}),
        },
        payload: holder(),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().type).toBe("invalid_request_error");
      expect(res.json().message).toContain("x-idempotency-key");
    }
  });

  it("is accepted on GETs", async () => {
    sim = await startSim();
    const token = await tokenFor(sim);
    const res = await sim.app.inject({
      method: "GET",
      url: "/api/v1/issuing/products",
      headers: { "x-auth-token": `Bearer ${token}`, "x-idempotency-key": randomUUID() },
    });
    expect(res.statusCode).toBe(200);
  });

  it("replays the first response for the same key and body without executing again", async () => {
    sim = await startSim();
    const c = await client(sim);
    const ch = await c.post("/api/v1/issuing/cardholders", holder());
    const key = randomUUID();
    const body = {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_USD_40963608,
      cardholder_id: ch.body.cardholder_id,
    };
    const first = await c.post("/api/v1/issuing/cards", body, key);
    const again = await c.post("/api/v1/issuing/cards", { ...body }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(sim.ctx.state.cards.size).toBe(1);
  });

  it("replays a 4xx answer too", async () => {
    sim = await startSim();
    const c = await client(sim);
    const key = randomUUID();
    const body = holder({ email: "nope" });
    const bad = await c.post("/api/v1/issuing/cardholders", body, key);
    const again = await c.post("/api/v1/issuing/cardholders", body, key);
    expect(bad.status).toBe(400);
    expect(again.body).toEqual(bad.body);
  });

  it("answers 400 idempotency_error for the same key with a different body", async () => {
    sim = await startSim();
    const c = await client(sim);
    const key = randomUUID();
    await c.post("/api/v1/issuing/balances", { currency: "USD" }, key);
    const res = await c.post("/api/v1/issuing/balances", { currency: "SGD" }, key);
    expect(res.status).toBe(400);
    expect(res.body.type).toBe("idempotency_error");
  });
});

describe("error envelope", () => {
  it("answers unknown routes with 404", async () => {
    sim = await startSim();
    const res = await sim.app.inject({ method: "GET", url: "/api/v1/issuing/nothing-here" });
    expect(res.statusCode).toBe(404);
  });

  it("uses {type, code, message} with status by type", async () => {
    sim = await startSim();
    const c = await client(sim);
    const cases: [Promise<{ status: number; body: Record<string, unknown> }>, string, number][] = [
      [c.get("/api/v1/issuing/cards/00000000-0000-4000-8000-000000000000"), "card_error", 400],
      [
        c.get("/api/v1/issuing/cardholders/00000000-0000-4000-8000-000000000000"),
        "cardholder_error",
        400,
      ],
      [c.post("/api/v1/issuing/balances", { currency: "JPY" }), "account_error", 400],
      [c.get("/api/v1/issuing/products?page_size=5"), "invalid_request_error", 400],
    ];
    for (const [p, type, status] of cases) {
      const res = await p;
      expect(res.status).toBe(status);
      expect(res.body.type).toBe(type);
      expect(typeof res.body.code).toBe("string");
      expect(typeof res.body.message).toBe("string");
    }
  });

  it("rejects an unparseable JSON body as invalid_request_error", async () => {
    sim = await startSim();
    const token = await tokenFor(sim);
    const res = await sim.app.inject({
      method: "POST",
      url: "/api/v1/issuing/cardholders",
      headers: {
        "x-auth-token": `Bearer ${token}`,
        "x-idempotency-key": randomUUID(),
        "content-type": "application/json",
      },
      payload: "{oops",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe("invalid_request_error");
  });
});

describe("rate limit", () => {
  it("answers 429 too_many_requests with Retry-After when configured", async () => {
    sim = await startSim({ rateLimitPerMinute: 3 });
    const c = await client(sim); // 1 (token)
    await c.get("/api/v1/issuing/products"); // 2
    await c.get("/api/v1/issuing/products"); // 3
    const res = await c.get("/api/v1/issuing/products");
    expect(res.status).toBe(429);
    expect(res.body.code).toBe("too_many_requests");
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
  });
});
