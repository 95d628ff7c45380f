/**
 * The recorded example payloads in fixtures/ are written from the UQPay fact sheet. Every key a
 * fixture has must appear in the simulator's answer with the same JSON value type (the simulator
 * may add keys the newer docs mention).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWebhookEvent } from "../issuer/uqpay/webhook-events.ts";
import type { Simulator } from "./app.ts";
import { SIM_PRODUCT_USD_40963608 } from "./products.ts";
import { type Client, client, holder, idCard, startSim, until } from "./testkit.ts";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** List of mismatches: paths missing from `actual` or with another JSON type. */
function shapeDiff(expected: unknown, actual: unknown, path = "$"): string[] {
  if (kind(expected) !== kind(actual))
    return [`${path}: expected ${kind(expected)}, got ${kind(actual)}`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length === 0 || actual.length === 0) return [];
    return shapeDiff(expected[0], actual[0], `${path}[0]`);
  }
  if (expected && typeof expected === "object") {
    const a = actual as Record<string, unknown>;
    return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) =>
      k in a ? shapeDiff(v, a[k], `${path}.${k}`) : [`${path}.${k}: missing`],
    );
  }
  return [];
}

let sim: Simulator;
let server: Server;
let c: Client;
const got: Record<string, unknown> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  sim = await startSim({
    webhook: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, secret: "s" },
  });
  const tok = await sim.app.inject({
    method: "POST",
    url: "/api/v1/connect/token",
    headers: { "x-client-id": "test-client", "x-api-key": "test-key" },
  });
  got.token = tok.json();
  c = await client(sim);
  const ch = await c.post(
    "/api/v1/issuing/cardholders",
    // The docs sample is a cardholder with addresses; unset ones are left out (FIDELITY.md).
    holder({
      date_of_birth: "1990-05-09",
      gender: "FEMALE",
      residential_address: { country: "SG", city: "Singapore", line1: "1 Main St" },
      delivery_address: {
        country: "SG",
        city: "Singapore",
        line1: "1 Main St",
        postal_code: "018956",
      },
    }),
  );
  got["cardholder-create"] = ch.body;
  got.cardholder = (await c.get(`/api/v1/issuing/cardholders/${ch.body.cardholder_id}`)).body;
  got.products = (await c.get("/api/v1/issuing/products")).body;
  const card = await c.post("/api/v1/issuing/cards", {
    card_currency: "USD",
    card_product_id: SIM_PRODUCT_USD_40963608,
    cardholder_id: ch.body.cardholder_id,
    card_limit: 1000,
    metadata: { cardRef: "crd_1" },
    spending_controls: [{ amount: 200, interval: "PER_TRANSACTION" }],
  });
  got["card-create"] = card.body;
  sim.flush();
  const id = card.body.card_id;
  got.card = (await c.get(`/api/v1/issuing/cards/${id}`)).body;
  got["card-secure"] = (await c.get(`/api/v1/issuing/cards/${id}/secure`)).body;
  got["card-order"] = (await c.get(`/api/v1/issuing/cards/${card.body.card_order_id}/order`)).body;
  got["card-update"] = (await c.post(`/api/v1/issuing/cards/${id}`, { card_limit: 900 })).body;
  got.balance = (await c.post("/api/v1/issuing/balances", { currency: "USD" })).body;
  got["balance-transaction"] = (await c.get("/api/v1/issuing/balances/transactions")).body.data[0];
  const auth = await c.post("/api/v1/simulation/issuing/authorization", {
    card_id: id,
    transaction_amount: 10,
    transaction_currency: "USD",
    merchant_name: "Shop",
    merchant_category_code: "5734",
  });
  got["simulation-authorization"] = auth.body;
  got["card-transaction"] = (
    await c.get(`/api/v1/issuing/transactions/${auth.body.transaction_id}`)
  ).body;
  got["card-elevate-limit"] = (
    await c.post(`/api/v1/issuing/cards/${id}/elevate_limit`, { card_limit: 5000 })
  ).body;
  got["simulation-reversal"] = (
    await c.post("/api/v1/simulation/issuing/reversal", {
      transaction_id: auth.body.transaction_id,
    })
  ).body;
  got["card-pan-token"] = (await c.post(`/api/v1/issuing/cards/${id}/token`, {})).body;
  got["card-recharge"] = (
    await c.post(`/api/v1/issuing/cards/${id}/recharge`, { amount: 200 })
  ).body;
  sim.ctx.faults.add({
    route: "POST /api/v1/issuing/cards/:id/withdraw",
    kind: "fail_after_success",
    count: 1,
  });
  await c.post(`/api/v1/issuing/cards/${id}/withdraw`, { amount: 50 });
  sim.flush();
  got["card-status-update"] = (
    await c.post(`/api/v1/issuing/cards/${id}/status`, {
      card_status: "FROZEN",
      update_reason: "x",
    })
  ).body;
  const tr = await c.post("/api/v1/issuing/transfers", {
    source_account_id: sim.ctx.state.accountId,
    destination_account_id: "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
    currency: "USD",
    amount: 10,
  });
  got["transfer-create"] = tr.body;
  got.transfer = (await c.get(`/api/v1/issuing/transfers/${tr.body.transfer_id}`)).body;
  got["report-create"] = (
    await c.post("/api/v1/issuing/reports", {
      report_type: "BALANCE_TRANSACTION",
      start_time: "2026-01-01T00:00:00+08:00",
      end_time: "2026-02-01T00:00:00+08:00",
    })
  ).body;
  got.error = (await c.get("/api/v1/issuing/cards/00000000-0000-4000-8000-000000000000")).body;
  const pending = await c.post("/api/v1/issuing/cardholders", holder({ identity: idCard("S99") }));
  sim.flush();
  const ev = (type: string) => sim.ctx.webhooks.events.find((e) => e.event_type === type);
  await until(() => ev("cardholder.kyc.status_changed") !== undefined, "kyc webhook");
  void pending;
  got["webhook-card-create-succeeded"] = ev("card.create.succeeded");
  got["webhook-cardholder-kyc"] = ev("cardholder.kyc.status_changed");
  got["webhook-transaction-authorization"] = ev("issuing.transaction.authorization");
  got["webhook-transaction-reversal"] = ev("issuing.transaction.reversal");
  got["webhook-card-status-update"] = ev("card.status.update.succeeded");
  got["webhook-card-recharge-succeeded"] = ev("card.recharge.succeeded");
  got["webhook-card-withdraw-failed"] = ev("card.withdraw.failed");
  got["webhook-card-update-succeeded"] = ev("card.update.succeeded");
  got["webhook-card-elevate-limit-succeeded"] = ev("card.elevate_limit.succeeded");
});

afterAll(async () => {
  await sim.close();
  await new Promise<void>((r) => server.close(() => r()));
});

const NAMES = [
  "token",
  "cardholder-create",
  "cardholder",
  "products",
  "card-create",
  "card",
  "card-secure",
  "card-order",
  "card-update",
  "card-status-update",
  "balance",
  "balance-transaction",
  "simulation-authorization",
  "card-transaction",
  "error",
  "webhook-card-create-succeeded",
  "webhook-cardholder-kyc",
  "webhook-transaction-authorization",
  "simulation-reversal",
  "card-pan-token",
  "card-recharge",
  "webhook-transaction-reversal",
  "webhook-card-status-update",
  "webhook-card-recharge-succeeded",
  "webhook-card-withdraw-failed",
  "webhook-card-update-succeeded",
  "card-elevate-limit",
  "webhook-card-elevate-limit-succeeded",
  "transfer-create",
  "transfer",
  "report-create",
];

describe("responses match the recorded fixtures' keys and value types", () => {
  for (const name of NAMES) {
    it(name, () => {
      expect(got[name], `no response captured for ${name}`).toBeDefined();
      expect(shapeDiff(fixture(name), got[name])).toEqual([]);
    });
  }
});

it("every fixture file is checked", () => {
  const files = readdirSync(new URL("./fixtures/", import.meta.url))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5));
  expect(files.filter((f) => !NAMES.includes(f))).toEqual([]);
});

it("every recorded webhook parses with the client's parseWebhookEvent as a known event", () => {
  const files = readdirSync(new URL("./fixtures/", import.meta.url)).filter((f) =>
    f.startsWith("webhook-"),
  );
  for (const f of files) {
    const e = parseWebhookEvent(readFileSync(new URL(`./fixtures/${f}`, import.meta.url)));
    expect(e.known, f).toBe(true);
  }
  for (const name of NAMES.filter((n) => n.startsWith("webhook-")))
    expect(parseWebhookEvent(JSON.stringify(got[name])).known, name).toBe(true);
});

describe("shapeDiff", () => {
  it("reports missing keys and type drift", () => {
    expect(shapeDiff({ a: "1", b: { c: 1 } }, { a: 1, b: {} })).toEqual([
      "$.a: expected string, got number",
      "$.b.c: missing",
    ]);
  });
});
