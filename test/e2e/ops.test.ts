import type { FastifyBaseLogger } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.ts";
import { configSchema } from "../../src/config.ts";
import { createDb } from "../../src/db/pool.ts";
import { appSettings } from "../../src/http/deps.ts";
import { issuerWebhooks } from "../../src/issuer/issuers.ts";
import { createLogger } from "../../src/logger.ts";
import type { DocumentVault } from "../../src/modules/documents/vault.ts";
import { keyHasher } from "../../src/modules/tenants/api-keys.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";

/** /healthz, /readyz and /metrics of the real composition; /readyz against a dead database. */

let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant({ fund: 100 });
});
afterAll(() => cardrail?.close());

const get = (path: string) => fetch(`${cardrail.url}${path}`);

describe("health", () => {
  it("GET /healthz answers without credentials", async () => {
    const response = await get("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("GET /readyz checks the database", async () => {
    const response = await get("/readyz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, database: "ok" });
  });

  it("GET /readyz answers 503 in the error envelope when the database is unreachable", async () => {
    // Nothing listens on port 1: connections are refused at once.
    const { db } = createDb("postgres://postgres@127.0.0.1:1/none", 1);
    const app = await buildApp(
      {
        db,
        hashKey: keyHasher(undefined),
        issuerFor: () => null,
        webhookSecret: () => null,
        issuerWebhooks,
        vault: {} as DocumentVault,
        settings: { ...appSettings(configSchema.parse({})), strictResponseSchemas: true },
      },
      createLogger("silent") as FastifyBaseLogger,
    );
    try {
      const ready = await app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        success: false,
        error: { code: "upstream_unavailable", message: "The database is not reachable" },
        requestId: expect.any(String),
      });
      expect(ready.headers["x-request-id"]).toBe(ready.json().requestId);
      const alive = await app.inject({ method: "GET", url: "/healthz" });
      expect(alive.statusCode).toBe(200);
      // A scrape still works while the database is down.
      const metrics = await app.inject({ method: "GET", url: "/metrics" });
      expect(metrics.statusCode).toBe(200);
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});

describe("GET /metrics", () => {
  it("exposes request latency by route pattern, issuer calls, wallet debits and process metrics, and no identifiers", async () => {
    const holderId = await activeHolder(tenant);
    const card = await issueCard(tenant, { holderId, loadAmount: 20 }, "metrics-1");
    expect(card.status).toBe(201);
    // A replay is not a second debit.
    expect((await issueCard(tenant, { holderId, loadAmount: 20 }, "metrics-1")).status).toBe(201);
    const cardId: string = card.body.cardId;
    expect((await tenant.api(`/api/v1/cards/${cardId}`)).status).toBe(200);
    expect((await tenant.api("/api/v1/cards/card_does_not_exist")).status).toBe(404);
    expect((await get(`/no/such/path/${cardId}`)).status).toBe(404);

    const response = await get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    /** The value of the sample `name{labels…}` (label order does not matter), or undefined. */
    const sample = (name: string, labels: Record<string, string>) => {
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      const found = text
        .split("\n")
        .find((l) => l.startsWith(`${name}{`) && wanted.every((pair) => l.includes(pair)));
      return found === undefined ? undefined : Number(found.slice(found.lastIndexOf(" ") + 1));
    };
    const latency = "cardrail_http_request_duration_seconds_count";
    expect(
      sample(latency, { method: "GET", route: "/api/v1/cards/:cardId", status_class: "2xx" }),
    ).toBe(1);
    expect(sample(latency, { route: "/api/v1/cards/:cardId", status_class: "4xx" })).toBe(1);
    expect(sample(latency, { route: "unmatched", status_class: "4xx" })).toBeGreaterThanOrEqual(1);
    expect(sample("cardrail_wallet_debits_total", { mode: "test", currency: "USD" })).toBe(1);
    expect(sample("cardrail_wallet_debited_amount_total", { mode: "test", currency: "USD" })).toBe(
      20,
    );
    expect(
      sample("cardrail_issuer_calls_total", {
        mode: "test",
        operation: "issueCard",
        outcome: "ok",
      }),
    ).toBe(1);
    expect(sample("cardrail_issuer_call_duration_seconds_count", { operation: "issueCard" })).toBe(
      1,
    );
    expect(
      sample("cardrail_job_queue_depth", { queue: "webhook_deliveries" }),
    ).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds/m);

    // Never ids, keys or card data: route patterns only.
    expect(text).not.toContain(cardId);
    expect(text).not.toContain(holderId);
    expect(text).not.toContain(tenant.tenantId);
    expect(text).not.toContain(tenant.headers["x-api-key"]);
    expect(text).not.toContain(tenant.headers["x-access-key"]);
    expect(text).not.toContain("card_does_not_exist");
    expect(text).not.toMatch(/40963608\d{8}/);
  });
});
