import type { BaseLogger } from "pino";
import type { Db } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import type { CardIssuer } from "../issuer/port.ts";
import { CardrailError } from "./errors.ts";

/** The logging the core uses: pino's, or Fastify's per-request child of it. */
export type Log = Pick<BaseLogger, "error" | "warn" | "info" | "debug">;

/** What every core verb runs with: the database, whose data it is, and the issuer for that mode. */
export interface TenantContext {
  db: Db;
  tenantId: string;
  mode: Mode;
  /** Null when no issuer is configured for this mode (live without credentials). */
  issuer: CardIssuer | null;
  log: Log;
  now(): Date;
  /** The request being served, when there is one: stored with an idempotent outcome. */
  requestId?: string;
}

/** Settings core verbs need, taken from Config by the caller so the core never reads the environment. */
export interface CoreSettings {
  statusRefreshIntervalMs: number;
  idempotencyLockTimeoutMs: number;
  /** How long a reveal waits for a card that is still being issued before answering 409. */
  revealWaitMs: number;
}

/**
 * The issuer, or a 503 when this mode has none. Verbs that create or reveal call it before any
 * side effect; lookups work without an issuer (another tenant's id is still a 404, not a 503).
 */
export function requireIssuer(ctx: Pick<TenantContext, "issuer" | "mode">): CardIssuer {
  if (!ctx.issuer) {
    throw new CardrailError(
      "upstream_unavailable",
      `No card issuer is configured for ${ctx.mode} mode`,
    );
  }
  return ctx.issuer;
}
