import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import type { FaultRuleInput } from "./faults.ts";
import { SIM_PRODUCT_USD_40963608 } from "./products.ts";
import { ADMIN, CLIENT, holder, startSim } from "./testkit.ts";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Real HTTP, because timeouts and resets only mean something on a socket. */
async function live(opts: Parameters<typeof startSim>[0] = {}) {
  const s = await startSim(opts);
  sim = s;
  const base = await s.app.listen({ port: 0, host: "127.0.0.1" });
  const tok = await fetch(`${base}/api/v1/connect/token`, {
    method: "POST",
    headers: { "x-client-id": CLIENT.clientId, "x-api-key": CLIENT.apiKey },
  });
  const { auth_token } = (await tok.json()) as { auth_token: string };
  const call = (
    method: string,
    path: string,
    body?: unknown,
    key = randomUUID(),
    timeoutMs = 10_000,
  ) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        "x-auth-token": `Bearer ${auth_token}`,
        "x-idempotency-key": key,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  const ch = (await (await call("POST", "/api/v1/issuing/cardholders", holder())).json()) as {
    cardholder_id: string;
  };
  const cardBody = {
    card_currency: "USD",
    card_product_id: SIM_PRODUCT_USD_40963608,
    cardholder_id: ch.cardholder_id,
    card_limit: 10,
  };
  const addFault = async (rule: FaultRuleInput) => {
    const res = await fetch(`${base}/__sim/faults`, {
      method: "POST",
      headers: { ...ADMIN, "content-type": "application/json" },
      body: JSON.stringify(rule),
    });
    expect(res.status).toBe(200);
  };
  return { sim: s, base, call, cardBody, addFault };
}

const CREATE = "POST /api/v1/issuing/cards";

describe("faults", () => {
  it("timeout after commit: no answer, but the card exists and a retry with the same key replays it", async () => {
    const t = await live();
    await t.addFault({ route: CREATE, kind: "timeout", count: 1 });
    const key = randomUUID();
    await expect(t.call("POST", "/api/v1/issuing/cards", t.cardBody, key, 300)).rejects.toThrow();
    expect(t.sim.ctx.state.cards.size).toBe(1);
    const retry = await t.call("POST", "/api/v1/issuing/cards", t.cardBody, key);
    expect(retry.status).toBe(201);
    const body = (await retry.json()) as { card_id: string };
    expect(t.sim.ctx.state.cards.has(body.card_id)).toBe(true);
    expect(t.sim.ctx.state.cards.size).toBe(1);
  });

  it("timeout before commit (afterCommit:false): nothing is created", async () => {
    const t = await live();
    await t.addFault({ route: CREATE, kind: "timeout", count: 1, afterCommit: false });
    const key = randomUUID();
    await expect(t.call("POST", "/api/v1/issuing/cards", t.cardBody, key, 300)).rejects.toThrow();
    expect(t.sim.ctx.state.cards.size).toBe(0);
    expect((await t.call("POST", "/api/v1/issuing/cards", t.cardBody, key)).status).toBe(201);
    expect(t.sim.ctx.state.cards.size).toBe(1);
  });

  it("reset after commit: the socket dies, the card exists, a replay returns it", async () => {
    const t = await live();
    await t.addFault({ route: CREATE, kind: "reset", count: 1 });
    const key = randomUUID();
    await expect(t.call("POST", "/api/v1/issuing/cards", t.cardBody, key)).rejects.toThrow();
    expect(t.sim.ctx.state.cards.size).toBe(1);
    const retry = await t.call("POST", "/api/v1/issuing/cards", t.cardBody, key);
    expect(retry.status).toBe(201);
    expect(t.sim.ctx.state.cards.size).toBe(1);
  });

  it("reset before commit: nothing is created", async () => {
    const t = await live();
    await t.addFault({ route: CREATE, kind: "reset", count: 1, afterCommit: false });
    await expect(t.call("POST", "/api/v1/issuing/cards", t.cardBody)).rejects.toThrow();
    expect(t.sim.ctx.state.cards.size).toBe(0);
  });

  it("malformed: 200 with an unparseable body", async () => {
    const t = await live();
    await t.addFault({ route: CREATE, kind: "malformed", count: 1 });
    const res = await t.call("POST", "/api/v1/issuing/cards", t.cardBody);
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it("500 and 503 answer api_error; before commit nothing happens, after commit the replay succeeds", async () => {
    const t = await live();
    await t.addFault({ route: CREATE, kind: "500", count: 1 });
    const r500 = await t.call("POST", "/api/v1/issuing/cards", t.cardBody);
    expect(r500.status).toBe(500);
    expect(await r500.json()).toMatchObject({ type: "api_error" });
    expect(t.sim.ctx.state.cards.size).toBe(0);
    await t.addFault({ route: CREATE, kind: "503", count: 1, afterCommit: true });
    const key = randomUUID();
    const r503 = await t.call("POST", "/api/v1/issuing/cards", t.cardBody, key);
    expect(r503.status).toBe(503);
    expect(t.sim.ctx.state.cards.size).toBe(1);
    expect((await t.call("POST", "/api/v1/issuing/cards", t.cardBody, key)).status).toBe(201);
    expect(t.sim.ctx.state.cards.size).toBe(1);
  });

  it("429 carries Retry-After and the too_many_requests body", async () => {
    const t = await live();
    await t.addFault({
      route: "GET /api/v1/issuing/products",
      kind: "429",
      count: 1,
      retryAfterSeconds: 2,
    });
    const res = await t.call("GET", "/api/v1/issuing/products");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toMatchObject({ code: "too_many_requests" });
    expect((await t.call("GET", "/api/v1/issuing/products")).status).toBe(200);
  });

  it("latency delays but still answers normally", async () => {
    const t = await live();
    await t.addFault({
      route: "GET /api/v1/issuing/cards/:id",
      kind: "latency",
      latencyMs: 20,
      count: 1,
    });
    const res = await t.call("GET", `/api/v1/issuing/cards/${randomUUID()}`);
    expect(res.status).toBe(400);
    expect(t.sim.ctx.faults.rules[0]?.fired).toBe(1);
  });

  it("fail_after_success: success answer, then the order FAILS with card.create.failed", async () => {
    const t = await live({ webhook: { url: "http://127.0.0.1:9/unused", secret: "s" } });
    await t.addFault({ route: CREATE, kind: "fail_after_success", count: 1 });
    const res = await t.call("POST", "/api/v1/issuing/cards", t.cardBody);
    expect(res.status).toBe(201);
    const { card_id, card_order_id } = (await res.json()) as {
      card_id: string;
      card_order_id: string;
    };
    t.sim.flush();
    expect(t.sim.ctx.state.cards.get(card_id)?.card_status).toBe("FAILED");
    const order = (await (
      await t.call("GET", `/api/v1/issuing/cards/${card_order_id}/order`)
    ).json()) as { order_status: string };
    expect(order.order_status).toBe("FAILED");
    const ev = t.sim.ctx.webhooks.events.find((e) => e.event_type === "card.create.failed");
    expect(ev?.source_id).toBe(card_order_id);
  });

  it("rolls the same dice for the same seed", async () => {
    const pattern = async () => {
      const t = await live({ seed: 99 });
      await t.addFault({ route: "GET /api/v1/issuing/products", kind: "500", rate: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 16; i++)
        out.push((await t.call("GET", "/api/v1/issuing/products")).status);
      await t.sim.close();
      sim = undefined;
      return out;
    };
    const a = await pattern();
    const b = await pattern();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it("DELETE /__sim/faults clears the rules", async () => {
    const t = await live();
    await t.addFault({ route: "*", kind: "500" });
    expect((await t.call("GET", "/api/v1/issuing/products")).status).toBe(500);
    await fetch(`${t.base}/__sim/faults`, { method: "DELETE", headers: ADMIN });
    expect((await t.call("GET", "/api/v1/issuing/products")).status).toBe(200);
  });
});
