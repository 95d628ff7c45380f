import type { Command } from "commander";
import {
  assignIssuerAccount,
  describeIssuerAccount,
  listIssuerAccounts,
  parseIssuerAccount,
} from "../modules/tenants/issuer-accounts.ts";
import { createTenant, listTenants } from "../modules/tenants/tenants.ts";
import type { CliSession } from "./context.ts";
import { emit, isoOrNull, type JsonOption, lines, table, withJson } from "./io.ts";
import { requireTenant } from "./keys.ts";
import { type ModeOption, modeOf, warnWithoutLiveIssuer } from "./options.ts";

const ISSUER_ACCOUNT_HELP =
  'the tenant\'s live UQPay sub-account id (x-on-behalf-of), or "master" for the main account (one tenant at most)';

export function tenantsCommands(program: Command, cli: CliSession): void {
  const tenants = program.command("tenants").description("create and list tenants");

  withJson(
    tenants
      .command("create")
      .description("create a tenant and its first API key pair (test mode unless --live)")
      .requiredOption("--name <name>", "the tenant's display name (1-200 characters)")
      .option("--live", "issue a live-mode key instead of a test-mode one")
      .option("--issuer-account <uuid|master>", ISSUER_ACCOUNT_HELP),
  ).action((options: { name: string; issuerAccount?: string } & ModeOption & JsonOption) =>
    cli.withDatabase(async ({ db, hashKey, config }) => {
      // Checked before anything is created, so a typo leaves no half-made tenant.
      const account =
        options.issuerAccount === undefined
          ? undefined
          : parseIssuerAccount(options.issuerAccount, "--issuer-account");
      warnWithoutLiveIssuer(cli.io, config, modeOf(options));
      const created = await createTenant(db, hashKey, options.name, modeOf(options));
      if (account) await assignIssuerAccount(db, created.tenantId, "live", account);
      const { tenantId, apiKey, accessKey, mode } = created;
      // The access key exists in clear only now (it is stored as a hash): this is its one appearance.
      emit(cli.io, options, { tenantId, apiKey, accessKey, mode }, () =>
        [
          `Tenant "${created.name}" created with a ${mode}-mode key. The access key is shown only now; store it safely.`,
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

  withJson(tenants.command("list").description("list all tenants")).action((options: JsonOption) =>
    cli.withDatabase(async ({ db }) => {
      const rows = await listTenants(db);
      const accounts = await listIssuerAccounts(db);
      const accountOf = (tenantId: string, mode: "test" | "live") => {
        const row = accounts.find((a) => a.tenant_id === tenantId && a.mode === mode);
        if (!row) return null;
        return describeIssuerAccount(
          row.account_id === null ? { kind: "master" } : { kind: "sub", id: row.account_id },
        );
      };
      const view = rows.map((t) => ({
        tenantId: t.id,
        name: t.name,
        createdAt: isoOrNull(t.created_at),
        liveIssuerAccount: accountOf(t.id, "live"),
        testIssuerAccount: accountOf(t.id, "test"),
      }));
      emit(cli.io, options, { tenants: view }, () =>
        view.length === 0
          ? "No tenants yet. Create one with: npm run cli -- tenants create --name NAME"
          : table(
              ["TENANT", "NAME", "CREATED", "LIVE ISSUER ACCOUNT"],
              view.map((t) => [t.tenantId, t.name, t.createdAt, t.liveIssuerAccount ?? "-"]),
            ),
      );
    }),
  );

  withJson(
    tenants
      .command("set-issuer-account")
      .description(
        "assign the live UQPay account a tenant acts through (test mode gets one automatically)",
      )
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .requiredOption("--issuer-account <uuid|master>", ISSUER_ACCOUNT_HELP),
  ).action((options: { tenant: string; issuerAccount: string } & JsonOption) =>
    cli.withDatabase(async ({ db }) => {
      const account = parseIssuerAccount(options.issuerAccount, "--issuer-account");
      const tenantId = await requireTenant(db, options.tenant);
      await assignIssuerAccount(db, tenantId, "live", account);
      const shown = describeIssuerAccount(account);
      emit(
        cli.io,
        options,
        { tenantId, liveIssuerAccount: shown },
        () => `Tenant ${tenantId} now acts at the live issuer through ${shown}.`,
      );
    }),
  );
}
