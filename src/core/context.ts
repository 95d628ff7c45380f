import type { BaseLogger } from "pino";
import type { Db, DbOrTx } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import type { CardIssuer, IssuerFor } from "../issuer/port.ts";
import type { DocumentVault } from "./document-vault.ts";
import { CardrailError } from "./errors.ts";

/** The logging the core uses: pino's, or Fastify's per-request child of it. */
export type Log = Pick<BaseLogger, "error" | "warn" | "info" | "debug">;

/** Settings core verbs need, taken from Config (config.ts `coreSettings`) so the core never reads the environment. */
export interface CoreSettings {
  statusRefreshIntervalMs: number;
  idempotencyLockTimeoutMs: number;
  /** How long a reveal waits for a card that is still being issued before answering 409. */
  revealWaitMs: number;
}

/**
 * Who acts. An API key (with the address it called from: reveals are audited with both), the
 * operator at the CLI, or the service itself (a background job, an issuer webhook).
 */
export type Actor =
  | { kind: "api_key"; apiKeyId: string; clientIp: string | null }
  | { kind: "operator" }
  | { kind: "service"; component: string };

/**
 * What every verb runs with: the database, whose data it is, the issuer for that mode, who acts,
 * and the settings and document vault the verbs share. Made only by `contextFor`. A verb joins its
 * caller's transaction when given `{ ...ctx, db: tx }` (see db/transaction.ts `inTransaction`).
 */
export interface TenantContext {
  db: DbOrTx;
  tenantId: string;
  mode: Mode;
  /** Null when no issuer is configured for this mode (live without credentials). */
  issuer: CardIssuer | null;
  log: Log;
  now(): Date;
  /** The request being served, when there is one: stored with an idempotent outcome, audited with a reveal. */
  requestId?: string;
  settings: CoreSettings;
  vault: DocumentVault;
  actor: Actor;
}

/** What a context is made from: the service's database, issuers, vault and settings. */
export interface CoreDeps {
  db: Db;
  /** A tenant's issuer in a mode: the simulator for test, the configured upstream for live (null if unconfigured). */
  issuerFor: IssuerFor;
  /** Where KYC documents are kept, encrypted. */
  vault: DocumentVault;
  settings: CoreSettings;
}

export interface ContextScope {
  tenantId: string;
  mode: Mode;
  actor: Actor;
  log: Log;
  requestId?: string;
}

/**
 * The one way a context is made, by the HTTP layer, the CLI and the jobs alike. No issuer for the
 * mode is not an error yet: lookups work; verbs that need one refuse (requireIssuer).
 */
export function contextFor(deps: CoreDeps, scope: ContextScope): TenantContext {
  const { statusRefreshIntervalMs, idempotencyLockTimeoutMs, revealWaitMs } = deps.settings;
  return {
    db: deps.db,
    tenantId: scope.tenantId,
    mode: scope.mode,
    issuer: deps.issuerFor(scope.mode, scope.tenantId),
    log: scope.log,
    now: () => new Date(),
    requestId: scope.requestId,
    settings: { statusRefreshIntervalMs, idempotencyLockTimeoutMs, revealWaitMs },
    vault: deps.vault,
    actor: scope.actor,
  };
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
