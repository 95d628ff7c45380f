import type { FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import { IssuerError, type IssuerFor } from "../issuer/port.ts";
import { pendingSubmissionCount } from "../modules/cardholders/repo.ts";
import type { App } from "./types.ts";

/**
 * Prometheus metrics, one registry per app (tests build several apps in one process). Labels are
 * bounded on purpose: route patterns (never raw URLs, so ids do not multiply series), status class,
 * mode, currency, issuer operation. Nothing here ever carries a tenant id, a key or card data.
 */
export interface Metrics {
  registry: Registry;
  /** The same issuers, with every call counted and timed. */
  instrumentIssuers(issuerFor: IssuerFor): IssuerFor;
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "cardrail" });
  collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: "cardrail_http_request_duration_seconds",
    help: "HTTP request latency by route pattern, method and status class",
    labelNames: ["method", "route", "status_class"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const issuerCalls = new Counter({
    name: "cardrail_issuer_calls_total",
    help: "Calls to the upstream issuer by mode, operation and outcome (ok, or the error kind)",
    labelNames: ["mode", "operation", "outcome"],
    registers: [registry],
  });
  const issuerDuration = new Histogram({
    name: "cardrail_issuer_call_duration_seconds",
    help: "Upstream issuer call latency by mode and operation (retries included)",
    labelNames: ["mode", "operation"],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const walletDebits = new Counter({
    name: "cardrail_wallet_debits_total",
    help: "Cards issued against a wallet (POST /cards answered 201, replays excluded)",
    labelNames: ["mode", "currency"],
    registers: [registry],
  });
  const walletDebited = new Counter({
    name: "cardrail_wallet_debited_amount_total",
    help: "Sum of loadAmount debited from wallets, in major units of the currency",
    labelNames: ["mode", "currency"],
    registers: [registry],
  });
  new Gauge({
    name: "cardrail_job_queue_depth",
    help: "Work waiting for a background job: webhook deliveries due or retrying, KYC submissions not yet accepted by the issuer",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      try {
        const { rows } = await sql<{ depth: string }>`
          SELECT count(*)::text AS depth FROM webhook_deliveries WHERE status = 'pending'`.execute(
          db,
        );
        // The cardholders table is its repository's to query (cardholders/repo.ts).
        const kyc = await pendingSubmissionCount(db);
        this.set({ queue: "webhook_deliveries" }, Number(rows[0]?.depth ?? 0));
        this.set({ queue: "kyc_submissions" }, kyc);
      } catch {
        // The database being down must not fail the scrape; /readyz reports it.
        this.reset();
      }
    },
  });

  const wrapped = new WeakMap<object, object>();
  function instrument<T extends object>(issuer: T, mode: Mode): T {
    const cached = wrapped.get(issuer);
    if (cached) return cached as T;
    const proxy = new Proxy(issuer, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || typeof property !== "string") return value;
        return async (...args: unknown[]) => {
          const stop = issuerDuration.startTimer({ mode, operation: property });
          try {
            const result = await value.apply(target, args);
            issuerCalls.inc({ mode, operation: property, outcome: "ok" });
            return result;
          } catch (error) {
            const outcome = error instanceof IssuerError ? error.kind : "error";
            issuerCalls.inc({ mode, operation: property, outcome });
            throw error;
          } finally {
            stop();
          }
        };
      },
    });
    wrapped.set(issuer, proxy);
    return proxy;
  }

  return {
    registry,
    instrumentIssuers(issuerFor) {
      return (mode, tenantId) => {
        const issuer = issuerFor(mode, tenantId);
        return issuer ? instrument(issuer, mode) : null;
      };
    },
    ...{ requestDuration, walletDebits, walletDebited },
  } as Metrics & Internal;
}

interface Internal {
  requestDuration: Histogram;
  walletDebits: Counter;
  walletDebited: Counter;
}

/** Times every response by its route pattern; counts wallet debits; serves GET /metrics. */
export function registerMetrics(app: App, metrics: Metrics) {
  const { requestDuration, walletDebits, walletDebited } = metrics as Metrics & Internal;
  app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
    // Unmatched URLs share one label: a scanner probing paths must not create series.
    const route = request.routeOptions.url ?? "unmatched";
    requestDuration.observe(
      { method: request.method, route, status_class: statusClass(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (
      route === "/api/v1/cards" &&
      request.method === "POST" &&
      reply.statusCode === 201 &&
      reply.getHeader("idempotent-replayed") !== "true"
    ) {
      const body = request.body as { currency?: unknown; loadAmount?: unknown } | undefined;
      const mode = request.auth?.mode;
      if (mode && typeof body?.currency === "string" && typeof body.loadAmount === "number") {
        walletDebits.inc({ mode, currency: body.currency });
        walletDebited.inc({ mode, currency: body.currency }, body.loadAmount);
      }
    }
  });

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["operations"],
        summary: "Prometheus metrics (text exposition format)",
        description:
          "Request latency by route pattern, upstream issuer calls, wallet debits, job queue depth, process metrics. No authentication: expose it to your scraper only.",
        produces: ["text/plain"],
      },
    },
    async (_request, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
