import type { BaseLogger } from "pino";
import type { Db } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import type { CardIssuer } from "../issuer/port.ts";

/** The logging the core uses: pino's, or Fastify's per-request child of it. */
export type Log = Pick<BaseLogger, "error" | "warn" | "info" | "debug">;

/** What every core verb runs with: the database, whose data it is, and the issuer for that mode. */
export interface TenantContext {
  db: Db;
  tenantId: string;
  mode: Mode;
  issuer: CardIssuer;
  log: Log;
  now(): Date;
}

/** Settings core verbs need, taken from Config by the caller so the core never reads the environment. */
export interface CoreSettings {
  statusRefreshIntervalMs: number;
  idempotencyLockTimeoutMs: number;
}
