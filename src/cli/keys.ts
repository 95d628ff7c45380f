import type { Command } from "commander";
import type { Db } from "../db/pool.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../modules/tenants/api-keys.ts";
import { getTenant } from "../modules/tenants/tenants.ts";
import { withDatabase } from "./context.ts";
import { CliError, emit, isoOrNull, type JsonOption, lines, table, withJson } from "./io.ts";
import { type ModeOption, modeOf, parseApiKeyId, requireNonEmpty } from "./options.ts";

export async function requireTenant(db: Db, value: string): Promise<string> {
  const tenantId = requireNonEmpty(value, "--tenant");
  if (!(await getTenant(db, tenantId)))
    throw new CliError(`--tenant: tenant ${tenantId} not found`);
  return tenantId;
}

export function keysCommands(program: Command): void {
  const keys = program.command("keys").description("issue, revoke and list a tenant's API keys");

  withJson(
    keys
      .command("create")
      .description("issue a new API key pair for a tenant (test mode unless --live)")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .option("--live", "issue a live-mode key"),
  ).action((options: { tenant: string } & ModeOption & JsonOption) =>
    withDatabase(async ({ db, hashKey }) => {
      const tenantId = await requireTenant(db, options.tenant);
      const { apiKey, accessKey, mode } = await createApiKey(
        db,
        hashKey,
        tenantId,
        modeOf(options),
      );
      // Shown once: only its hash is stored.
      emit(options, { tenantId, apiKey, accessKey, mode }, () =>
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
    withDatabase(async ({ db }) => {
      const apiKey = parseApiKeyId(options.key);
      if (!(await revokeApiKey(db, apiKey))) {
        throw new CliError(`--key: API key ${apiKey} is unknown or already revoked`);
      }
      emit(options, { apiKey, revoked: true }, () => `Revoked ${apiKey}.`);
    }),
  );

  withJson(
    keys
      .command("list")
      .description("list a tenant's API keys (never their secrets)")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)"),
  ).action((options: { tenant: string } & JsonOption) =>
    withDatabase(async ({ db }) => {
      const tenantId = await requireTenant(db, options.tenant);
      const rows = await listApiKeys(db, tenantId);
      const view = rows.map((k) => ({
        apiKey: k.apiKey,
        mode: k.mode,
        status: k.revokedAt ? "revoked" : "active",
        createdAt: isoOrNull(k.createdAt),
        revokedAt: isoOrNull(k.revokedAt),
        lastUsedAt: isoOrNull(k.lastUsedAt),
      }));
      emit(options, { tenantId, keys: view }, () =>
        view.length === 0
          ? `Tenant ${tenantId} has no API keys.`
          : table(
              ["API KEY", "MODE", "STATUS", "CREATED", "REVOKED", "LAST USED"],
              view.map((k) => [k.apiKey, k.mode, k.status, k.createdAt, k.revokedAt, k.lastUsedAt]),
            ),
      );
    }),
  );
}
