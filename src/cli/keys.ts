import type { Command } from "commander";
import type { Db } from "../db/pool.ts";
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from "../modules/tenants/api-keys.ts";
import { getTenant } from "../modules/tenants/tenants.ts";
import type { CliSession } from "./context.ts";
import { CliError, emit, isoOrNull, type JsonOption, lines, table, withJson } from "./io.ts";
import {
  type ModeOption,
  modeOf,
  parseApiKeyId,
  requireNonEmpty,
  warnWithoutLiveIssuer,
} from "./options.ts";

export async function requireTenant(db: Db, value: string): Promise<string> {
  const tenantId = requireNonEmpty(value, "--tenant");
  if (!(await getTenant(db, tenantId)))
    throw new CliError(`--tenant: tenant ${tenantId} not found`);
  return tenantId;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "24h", "90m", "7d", "0" → milliseconds; at most 30 days (an overlap is a transition, not a second key). */
export function parseDuration(value: string, option = "--overlap"): number {
  const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) {
    throw new CliError(`${option} "${value}" is not a duration: use e.g. 0, 30m, 24h or 7d`);
  }
  const ms = Number(match[1]) * (UNITS[match[2] ?? "s"] ?? 1000);
  if (ms > 30 * 86_400_000) throw new CliError(`${option} must be at most 30d`);
  return ms;
}

function keyStatus(k: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): string {
  if (k.revokedAt) return "revoked";
  if (k.expiresAt && k.expiresAt.getTime() <= now.getTime()) return "expired";
  if (k.expiresAt) return "expiring";
  return "active";
}

export function keysCommands(program: Command, cli: CliSession): void {
  const keys = program.command("keys").description("issue, revoke and list a tenant's API keys");

  withJson(
    keys
      .command("create")
      .description("issue a new API key pair for a tenant (test mode unless --live)")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .option("--live", "issue a live-mode key"),
  ).action((options: { tenant: string } & ModeOption & JsonOption) =>
    cli.withDatabase(async ({ db, hashKey, config }) => {
      const tenantId = await requireTenant(db, options.tenant);
      warnWithoutLiveIssuer(cli.io, config, modeOf(options));
      const { apiKey, accessKey, mode } = await createApiKey(
        db,
        hashKey,
        tenantId,
        modeOf(options),
      );
      // Shown once: only its hash is stored.
      emit(cli.io, options, { tenantId, apiKey, accessKey, mode }, () =>
        [
          `New ${mode}-mode key for ${tenantId}. The access key is shown only now; store it safely.`,
          lines([
            ["tenantId", tenantId],
            ["apiKey", apiKey],
            ["accessKey", accessKey],
            ["mode", mode],
          ]),
        ].join("\n"),
      );
    }),
  );

  withJson(
    keys
      .command("revoke")
      .description("revoke an API key; requests with it get 401 from then on")
      .requiredOption("--key <apiKey>", "the public API key id (dk_test_… / dk_live_…)"),
  ).action((options: { key: string } & JsonOption) =>
    cli.withDatabase(async ({ db }) => {
      const apiKey = parseApiKeyId(options.key);
      if (!(await revokeApiKey(db, apiKey))) {
        throw new CliError(`--key: API key ${apiKey} is unknown or already revoked`);
      }
      emit(cli.io, options, { apiKey, revoked: true }, () => `Revoked ${apiKey}.`);
    }),
  );

  withJson(
    keys
      .command("rotate")
      .description(
        "issue a new key pair for the same tenant and mode; the old key keeps working for --overlap, then stops",
      )
      .requiredOption("--key <apiKey>", "the public API key id to rotate (dk_test_… / dk_live_…)")
      .option(
        "--overlap <duration>",
        "how long the old key keeps working (e.g. 0, 30m, 24h, 7d)",
        "24h",
      ),
  ).action((options: { key: string; overlap: string } & JsonOption) =>
    cli.withDatabase(async ({ db, hashKey }) => {
      const apiKey = parseApiKeyId(options.key);
      const overlapMs = parseDuration(options.overlap);
      const rotated = await rotateApiKey(db, hashKey, apiKey, overlapMs);
      if (!rotated) {
        throw new CliError(`--key: API key ${apiKey} is unknown, revoked or already expired`);
      }
      const view = {
        tenantId: rotated.tenantId,
        apiKey: rotated.apiKey,
        accessKey: rotated.accessKey,
        mode: rotated.mode,
        previousApiKey: rotated.previousApiKey,
        previousKeyExpiresAt: rotated.oldKeyExpiresAt.toISOString(),
      };
      emit(cli.io, options, view, () =>
        [
          `Rotated ${apiKey}. The new access key is shown only now; store it safely.`,
          `The old key keeps working until ${view.previousKeyExpiresAt}.`,
          lines([
            ["tenantId", view.tenantId],
            ["apiKey", view.apiKey],
            ["accessKey", view.accessKey],
            ["mode", view.mode],
            ["previousApiKey", view.previousApiKey],
            ["previousKeyExpiresAt", view.previousKeyExpiresAt],
          ]),
        ].join("\n"),
      );
    }),
  );

  withJson(
    keys
      .command("list")
      .description("list a tenant's API keys (never their secrets)")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)"),
  ).action((options: { tenant: string } & JsonOption) =>
    cli.withDatabase(async ({ db }) => {
      const tenantId = await requireTenant(db, options.tenant);
      const rows = await listApiKeys(db, tenantId);
      const now = new Date();
      const view = rows.map((k) => ({
        apiKey: k.apiKey,
        mode: k.mode,
        status: keyStatus(k, now),
        createdAt: isoOrNull(k.createdAt),
        revokedAt: isoOrNull(k.revokedAt),
        expiresAt: isoOrNull(k.expiresAt),
        replacedBy: k.replacedBy,
        lastUsedAt: isoOrNull(k.lastUsedAt),
      }));
      emit(cli.io, options, { tenantId, keys: view }, () =>
        view.length === 0
          ? `Tenant ${tenantId} has no API keys.`
          : table(
              ["API KEY", "MODE", "STATUS", "CREATED", "REVOKED", "EXPIRES", "LAST USED"],
              view.map((k) => [
                k.apiKey,
                k.mode,
                k.status,
                k.createdAt,
                k.revokedAt,
                k.expiresAt,
                k.lastUsedAt,
              ]),
            ),
      );
    }),
  );
}
