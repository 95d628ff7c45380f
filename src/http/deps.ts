import type { FastifyRequest } from "fastify";
import { type Config, coreSettings } from "../config.ts";
import {
  type CoreDeps,
  type CoreSettings,
  contextFor,
  type TenantContext,
} from "../core/context.ts";
import type { Mode } from "../db/schema.ts";
import type { IssuerWebhooks } from "../issuer/port.ts";
import type { KeyHasher } from "../modules/tenants/api-keys.ts";
import type { RateLimitSettings } from "./rate-limits.ts";

export type AppSettings = CoreSettings &
  RateLimitSettings & {
    uploadMaxFileBytes: number;
    uploadMaxTotalBytes: number;
    /** STRICT_RESPONSE_SCHEMAS: an answer off its documented schema is a 500 (unset: logged). */
    strictResponseSchemas?: boolean;
  };

/** Everything the HTTP layer is built from; main.ts wires the real ones, tests their own. */
export interface AppDeps extends CoreDeps {
  hashKey: KeyHasher;
  /** The secret the issuer signs its webhooks with, per mode (null: that mode's webhooks are refused). */
  webhookSecret(mode: Mode): string | null;
  /** How the issuer's webhooks are verified and read. */
  issuerWebhooks: IssuerWebhooks;
  settings: AppSettings;
}

/** The HTTP layer's settings, from the configuration (whose schema holds every default). */
export function appSettings(config: Config): AppSettings {
  return {
    ...coreSettings(config),
    uploadMaxFileBytes: config.UPLOAD_MAX_FILE_BYTES,
    uploadMaxTotalBytes: config.UPLOAD_MAX_TOTAL_BYTES,
    perKeyPerMinute: config.RATE_LIMIT_PER_MINUTE,
    revealsPerMinute: config.REVEAL_RATE_LIMIT_PER_MINUTE,
    authFailuresPerKey: config.AUTH_FAILURES_PER_KEY,
    authFailuresPerAddress: config.AUTH_FAILURES_PER_ADDRESS,
    authFailureWindowMs: config.AUTH_FAILURE_WINDOW_MS,
    revealTokenTtlMs: config.REVEAL_TOKEN_TTL_MS,
    revealTokenRedeemsPerMinute: config.REVEAL_TOKEN_REDEEMS_PER_MINUTE,
    revealAllowedOrigins: config.REVEAL_ALLOWED_ORIGINS,
    strictResponseSchemas: config.STRICT_RESPONSE_SCHEMAS,
  };
}

/** The context of an authenticated request: its tenant and mode, its API key as the actor. */
export function tenantContext(deps: AppDeps, request: FastifyRequest): TenantContext {
  const { tenantId, mode, keyId } = request.auth;
  return contextFor(deps, {
    tenantId,
    mode,
    actor: { kind: "api_key", apiKeyId: keyId, clientIp: request.ip ?? null },
    log: request.log,
    requestId: request.id,
  });
}
