import { z } from "zod";
import type { CoreSettings } from "./core/context.ts";
import { parseOrigin } from "./core/origin.ts";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "./core/retry-schedule.ts";

/**
 * The only reader of process.env. Validated once at boot; every bad key is listed together so an
 * operator fixes them in one go instead of one restart per typo.
 */

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(logLevels).default("info"),
  /**
   * A response that does not match its documented schema becomes a 500 (its mismatching paths
   * logged) instead of being sent unchanged with a warning. For tests and staging: the contract is
   * then checked on every answer they see; production keeps answering.
   */
  STRICT_RESPONSE_SCHEMAS: bool.default(false),
  /** When set, use this PostgreSQL server; otherwise an embedded PGlite database in CARDRAIL_DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  // Issuance holds a connection for a dozen short round trips; 20 keeps 2 cores busy without queueing.
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  CARDRAIL_DATA_DIR: z.string().min(1).default("./.cardrail/data"),
  /** Create the demo tenant on an empty database. Always on for the embedded default. */
  CARDRAIL_SEED_DEMO: bool.optional(),
  /** Extra secret mixed into API-key hashes, so a stolen database alone cannot test guesses. */
  CARDRAIL_KEY_PEPPER: z.string().min(16).optional(),

  // Live-mode upstream (dk_live_ keys).
  UQPAY_BASE_URL: z.url().default("https://api-sandbox.uqpaytech.com/api"),
  UQPAY_CLIENT_ID: z.string().min(1).optional(),
  UQPAY_API_KEY: z.string().min(1).optional(),
  /** Secret UQPay signs its webhooks with (x-wk-signature); without it live webhooks are refused. */
  UQPAY_WEBHOOK_SECRET: z.string().min(8).optional(),
  UQPAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),

  // Test-mode upstream (dk_test_ keys): the built-in simulator, or an external one.
  SIMULATOR_URL: z.url().optional(),
  SIMULATOR_CLIENT_ID: z.string().min(1).default("sim-client"),
  SIMULATOR_API_KEY: z.string().min(1).default("sim-key"),
  /** With SIMULATOR_URL: its admin token (SIM_ADMIN_TOKEN), to create each tenant's sub-account. */
  SIMULATOR_ADMIN_TOKEN: z.string().min(16).optional(),
  /** Secret of an external simulator's webhooks; the in-process one gets a random secret per start. */
  SIMULATOR_WEBHOOK_SECRET: z.string().min(8).optional(),
  SIMULATOR_REVIEW_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).default(1000),
  SIMULATOR_CARD_ACTIVATION_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).default(200),
  /** PRE_CANCEL → CANCELLED in test mode (30 days at UQPay): when a cancelled card's balance returns. */
  SIMULATOR_PRE_CANCEL_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).default(2000),
  /** How often each tenant's card transactions are read back from the issuer (missed webhooks). */
  TRANSACTION_SYNC_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  SIMULATOR_SEED: z.coerce.number().int().optional(),

  // Upload limits for POST /cardholders.
  // UQPay accepts documents up to 2 MB: a larger file could only be refused later, after the work.
  UPLOAD_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(2 * 1024 * 1024),
  UPLOAD_MAX_TOTAL_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(7 * 1024 * 1024),

  /** Requests per minute per API key (all endpoints), and reveals per minute per key. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  REVEAL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Failed authentications per API key id, and per client address, within AUTH_FAILURE_WINDOW_MS; then 429. */
  AUTH_FAILURES_PER_KEY: z.coerce.number().int().min(1).default(20),
  AUTH_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).default(900_000),
  /** How long a reveal token (POST /cards/:id/reveal-token) stays redeemable, and redemptions per minute per client address. */
  REVEAL_TOKEN_TTL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  REVEAL_TOKEN_REDEEMS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Origins (comma-separated, e.g. https://app.example.com) whose pages may redeem a reveal token from the browser (CORS) or frame the answer. Empty: none. */
  REVEAL_ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const origins = text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
      for (const item of origins) {
        if (parseOrigin(item) === null) {
          ctx.addIssue({
            code: "custom",
            message: `"${item}" is not an origin (scheme://host[:port], no path or trailing slash)`,
          });
        }
      }
      return origins;
    }),

  /** A creating card older than this is resolved by the recovery sweep (asks the upstream, completes or refunds). */
  RECOVERY_AFTER_MS: z.coerce.number().int().min(0).default(30_000),
  RECOVERY_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** How often the service reconciles the ledger and cards against the issuer (reports only); 0 = never. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
  /** An in-flight idempotency key older than this is considered abandoned (its process died) and may be resumed. */
  IDEMPOTENCY_LOCK_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** A reveal of a card still being issued waits this long for it before answering 409 card_not_active. */
  REVEAL_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(3000),
  /** How often each process retries KYC submissions that did not reach the issuer, and refreshes stale reviews. */
  KYC_RETRY_INTERVAL_MS: z.coerce.number().int().min(0).default(2000),
  /** A cardholder IN_REVIEW not confirmed with the issuer for this long is refreshed, webhook or not. */
  KYC_POLL_AFTER_MS: z.coerce.number().int().min(0).default(60_000),
  /** AES-256 key for KYC documents at rest (32 bytes, base64). Unset: generated once into CARDRAIL_DATA_DIR/documents.key. */
  DOCUMENTS_ENCRYPTION_KEY: z
    .string()
    .refine(
      (v) => Buffer.from(v, "base64").length === 32,
      "must be 32 bytes, base64 (openssl rand -base64 32)",
    )
    .optional(),
  /**
   * HMAC key of the ledger journal, the witness reconcile checks the ledger against (32 bytes,
   * base64). Unset: on PostgreSQL derived from CARDRAIL_KEY_PEPPER (shared by every process of one
   * database anyway), on the embedded database generated once into CARDRAIL_DATA_DIR/journal.key.
   * It must never be stored in the database.
   */
  LEDGER_JOURNAL_KEY: z
    .string()
    .refine(
      (v) => Buffer.from(v, "base64").length === 32,
      "must be 32 bytes, base64 (openssl rand -base64 32)",
    )
    .optional(),
  /** Folder for the encrypted documents; default CARDRAIL_DATA_DIR/documents. */
  DOCUMENTS_DIR: z.string().min(1).optional(),
  /** Documents are deleted this many days after the KYC decision (ACTIVE or REJECTED); 0 = at the next hourly purge. */
  DOCUMENTS_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** While a cardholder is IN_REVIEW, a status poll refreshes from the upstream at most this often. */
  STATUS_REFRESH_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),

  // Outbound webhooks to tenants (docs/webhooks.md).
  /**
   * Webhook URLs on private addresses: `false` refuses them all, `loopback` allows 127.0.0.0/8 and
   * ::1 only, `true` allows everything. Unset: see webhookUrlPolicy below.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: z
    .enum(["true", "false", "1", "0", "yes", "no", "loopback"])
    .optional(),
  /** `production` turns the local-development defaults off (WEBHOOK_ALLOW_PRIVATE_URLS). */
  NODE_ENV: z.string().optional(),
  /** A delivery not answered with a 2xx within this long has failed and is retried. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Delays before each retry, comma-separated (ms, s, m, h, d); the default totals about 3 days. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE)
    .transform((text, ctx) => {
      try {
        return parseRetrySchedule(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** How often each process looks for due webhook deliveries, and how many it sends at once. */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(10),
});

export type Config = z.infer<typeof configSchema>;

/**
 * Which webhook destinations are allowed. Explicit settings win. Unset, private URLs are refused
 * (tenants could otherwise reach cloud metadata and internal services, SSRF), except on the
 * embedded development database outside NODE_ENV=production, which allows loopback only: there
 * the tenants are the developer, who runs a webhook receiver on 127.0.0.1 next to `npm start`.
 */
export function webhookUrlPolicy(
  config: Pick<Config, "WEBHOOK_ALLOW_PRIVATE_URLS" | "DATABASE_URL" | "NODE_ENV">,
) {
  const setting =
    config.WEBHOOK_ALLOW_PRIVATE_URLS ??
    (config.DATABASE_URL === undefined && config.NODE_ENV !== "production" ? "loopback" : "false");
  const allowPrivateUrls = setting === "true" || setting === "1" || setting === "yes";
  return { allowPrivateUrls, allowLoopbackUrls: allowPrivateUrls || setting === "loopback" };
}

/** The settings every verb shares (the context's `settings`), from the configuration. */
export function coreSettings(config: Config): CoreSettings {
  return {
    statusRefreshIntervalMs: config.STATUS_REFRESH_INTERVAL_MS,
    idempotencyLockTimeoutMs: config.IDEMPOTENCY_LOCK_TIMEOUT_MS,
    revealWaitMs: config.REVEAL_WAIT_MS,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env files mean "unset", not "the empty value".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (config.UPLOAD_MAX_TOTAL_BYTES < config.UPLOAD_MAX_FILE_BYTES) {
    problems.push("UPLOAD_MAX_TOTAL_BYTES: must be at least UPLOAD_MAX_FILE_BYTES");
  }
  if (Boolean(config.UQPAY_CLIENT_ID) !== Boolean(config.UQPAY_API_KEY)) {
    problems.push("UQPAY_CLIENT_ID/UQPAY_API_KEY: set both or neither");
  }
  if (config.NODE_ENV === "production" && config.DATABASE_URL && !config.CARDRAIL_KEY_PEPPER) {
    // The built-in pepper is public: API key hashes and the ledger journal's key (derived from it
    // on PostgreSQL) would protect nothing against someone with a database login.
    problems.push(
      "CARDRAIL_KEY_PEPPER: required in production with DATABASE_URL (openssl rand -base64 32); the built-in one is public",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Reads ./.env if present (Node's own parser), without overriding variables already set. */
export function loadDotEnv(path = ".env"): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
