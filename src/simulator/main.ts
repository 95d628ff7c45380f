/**
 * `npm run sim`: run the UQPay sandbox simulator on its own.
 *
 * Env: SIM_PORT (4010), SIM_HOST (127.0.0.1), SIM_CLIENT_ID ("sim-client"), SIM_API_KEY
 * ("sim-key"), SIM_REVIEW_DELAY_MS, SIM_CARD_ACTIVATION_DELAY_MS, SIM_TOKEN_TTL_SECONDS,
 * SIM_SEED, SIM_STATE_FILE, SIM_WEBHOOK_URL + SIM_WEBHOOK_SECRET (both or neither),
 * SIM_RATE_LIMIT_PER_MINUTE, SIM_TOKEN_RATE_LIMIT_PER_MINUTE (token endpoint only; upstream 60),
 * SIM_TOKENS_COEXIST (true|false), SIM_REQUIRE_BEARER (true|false), SIM_SANDBOX_MCC_ONLY
 * (true|false: simulated authorizations take MCC 5734 only, as UQPay's sandbox), SIM_LOG (true|false),
 * SIM_FAULTS (JSON array of fault rules, see faults.ts), SIM_ADMIN_TOKEN (≥16 characters: the
 * bearer token every /__sim/ request needs; when unset a random one is made and printed once at
 * start, so the admin API is never open to whoever else can reach the port). Every bad key is
 * listed at once.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { buildSimulator, type SimulatorOptions } from "./app.ts";
import { faultRuleInput } from "./faults.ts";

const int = (min: number) => z.coerce.number().int().min(min);
const bool = z.enum(["true", "false"]).transform((v) => v === "true");

const envSchema = z.object({
  SIM_PORT: int(0).max(65535).default(4010),
  SIM_HOST: z.string().min(1).default("127.0.0.1"),
  SIM_CLIENT_ID: z.string().min(1).default("sim-client"),
  SIM_API_KEY: z.string().min(1).default("sim-key"),
  SIM_ADMIN_TOKEN: z.string().min(16).optional(),
  SIM_REVIEW_DELAY_MS: int(0).optional(),
  SIM_CARD_ACTIVATION_DELAY_MS: int(0).optional(),
  SIM_TOKEN_TTL_SECONDS: int(1).optional(),
  SIM_SEED: z.coerce.number().int().optional(),
  SIM_STATE_FILE: z.string().min(1).optional(),
  SIM_WEBHOOK_URL: z.url().optional(),
  SIM_WEBHOOK_SECRET: z.string().min(1).optional(),
  SIM_RATE_LIMIT_PER_MINUTE: int(1).optional(),
  SIM_TOKEN_RATE_LIMIT_PER_MINUTE: int(1).optional(),
  SIM_TOKENS_COEXIST: bool.optional(),
  SIM_REQUIRE_BEARER: bool.optional(),
  SIM_SANDBOX_MCC_ONLY: bool.optional(),
  SIM_LOG: bool.default(true),
  SIM_FAULTS: z
    .string()
    .transform((s, c) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        c.addIssue({ code: "custom", message: "must be a JSON array" });
        return z.NEVER;
      }
    })
    .pipe(z.array(faultRuleInput))
    .optional(),
});

export function parseEnv(env: NodeJS.ProcessEnv) {
  const picked = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith("SIM_") && v !== undefined && v !== ""),
  );
  const r = envSchema.safeParse(picked);
  const lines = r.success
    ? []
    : r.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
  // Checked by hand so it is reported together with the per-key errors.
  if ((picked.SIM_WEBHOOK_URL === undefined) !== (picked.SIM_WEBHOOK_SECRET === undefined))
    lines.push("  SIM_WEBHOOK_URL/SIM_WEBHOOK_SECRET: must be set together");
  if (!r.success || lines.length > 0)
    throw new Error(`invalid simulator environment:\n${lines.join("\n")}`);
  return r.data;
}

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const adminToken = env.SIM_ADMIN_TOKEN ?? randomBytes(24).toString("base64url");
  const opts: SimulatorOptions = {
    clientId: env.SIM_CLIENT_ID,
    apiKey: env.SIM_API_KEY,
    adminToken,
    logger: env.SIM_LOG,
  };
  if (env.SIM_REVIEW_DELAY_MS !== undefined) opts.reviewDelayMs = env.SIM_REVIEW_DELAY_MS;
  if (env.SIM_CARD_ACTIVATION_DELAY_MS !== undefined)
    opts.cardActivationDelayMs = env.SIM_CARD_ACTIVATION_DELAY_MS;
  if (env.SIM_TOKEN_TTL_SECONDS !== undefined) opts.tokenTtlSeconds = env.SIM_TOKEN_TTL_SECONDS;
  if (env.SIM_SEED !== undefined) opts.seed = env.SIM_SEED;
  if (env.SIM_STATE_FILE !== undefined) opts.stateFile = env.SIM_STATE_FILE;
  if (env.SIM_WEBHOOK_URL !== undefined && env.SIM_WEBHOOK_SECRET !== undefined)
    opts.webhook = { url: env.SIM_WEBHOOK_URL, secret: env.SIM_WEBHOOK_SECRET };
  if (env.SIM_RATE_LIMIT_PER_MINUTE !== undefined)
    opts.rateLimitPerMinute = env.SIM_RATE_LIMIT_PER_MINUTE;
  if (env.SIM_TOKENS_COEXIST !== undefined) opts.tokensCoexist = env.SIM_TOKENS_COEXIST;
  if (env.SIM_TOKEN_RATE_LIMIT_PER_MINUTE !== undefined)
    opts.tokenRateLimitPerMinute = env.SIM_TOKEN_RATE_LIMIT_PER_MINUTE;
  if (env.SIM_REQUIRE_BEARER !== undefined) opts.requireBearer = env.SIM_REQUIRE_BEARER;
  if (env.SIM_SANDBOX_MCC_ONLY !== undefined) opts.sandboxMccOnly = env.SIM_SANDBOX_MCC_ONLY;

  const sim = await buildSimulator(opts);
  for (const rule of env.SIM_FAULTS ?? []) sim.ctx.faults.add(rule);
  const address = await sim.app.listen({ port: env.SIM_PORT, host: env.SIM_HOST });
  console.log(
    `UQPay simulator listening on ${address} (API base ${address}/api, admin ${address}/__sim)`,
  );
  // Printed only when generated: a configured token is already known to whoever set it.
  if (!env.SIM_ADMIN_TOKEN)
    console.log(`admin token (send as "authorization: Bearer <token>"): ${adminToken}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await sim.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

// Only run when executed directly (tests import parseEnv).
if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
