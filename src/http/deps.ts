import type { FastifyRequest } from "fastify";
import type { CoreSettings, TenantContext } from "../core/context.ts";
import type { Db } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import type { IssuerFor, IssuerWebhooks } from "../issuer/port.ts";
import type { DocumentVault } from "../modules/documents/vault.ts";
import type { KeyHasher } from "../modules/tenants/api-keys.ts";
import type { RateLimitSettings } from "./rate-limits.ts";

/** Everything the HTTP layer is built from; main.ts wires the real ones, tests their own. */
export interface AppDeps {
  db: Db;
  hashKey: KeyHasher;
  /** A tenant's issuer in a mode: the simulator for test, the configured upstream for live (null if unconfigured). */
  issuerFor: IssuerFor;
  /** Where KYC documents are kept, encrypted. */
  vault: DocumentVault;
  /** The secret the issuer signs its webhooks with, per mode (null: that mode's webhooks are refused). */
  webhookSecret(mode: Mode): string | null;
  /** How the issuer's webhooks are verified and read. */
  issuerWebhooks: IssuerWebhooks;
  settings: CoreSettings &
    RateLimitSettings & {
      uploadMaxFileBytes: number;
      uploadMaxTotalBytes: number;
      /** STRICT_RESPONSE_SCHEMAS: an answer off its documented schema is a 500 (unset: logged). */
      strictResponseSchemas?: boolean;
    };
}

/** The core's context for an authenticated request. */
export function tenantContext(deps: AppDeps, request: FastifyRequest): TenantContext {
  const { tenantId, mode } = request.auth;
  // No issuer for the mode is not an error yet: lookups work; verbs that need it refuse (requireIssuer).
  return {
    db: deps.db,
    tenantId,
    mode,
    issuer: deps.issuerFor(mode, tenantId),
    log: request.log,
    now: () => new Date(),
    requestId: request.id,
  };
}
