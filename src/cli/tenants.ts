import type { Command } from "commander";
import { createTenant, listTenants } from "../modules/tenants/tenants.ts";
import type { CliSession } from "./context.ts";
import { emit, isoOrNull, type JsonOption, lines, table, withJson } from "./io.ts";
import { type ModeOption, modeOf } from "./options.ts";

export function tenantsCommands(program: Command, cli: CliSession): void {
  const tenants = program.command("tenants").description("create and list tenants");

  withJson(
    tenants
      .command("create")
      .description("create a tenant and its first API key pair (test mode unless --live)")
      .requiredOption("--name <name>", "the tenant's display name (1-200 characters)")
      .option("--live", "issue a live-mode key instead of a test-mode one"),
  ).action((options: { name: string } & ModeOption & JsonOption) =>
    cli.withDatabase(async ({ db, hashKey }) => {
      const created = await createTenant(db, hashKey, options.name, modeOf(options));
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
      const view = rows.map((t) => ({
        tenantId: t.id,
        name: t.name,
        createdAt: isoOrNull(t.created_at),
      }));
      emit(cli.io, options, { tenants: view }, () =>
        view.length === 0
          ? "No tenants yet. Create one with: npm run cli -- tenants create --name NAME"
          : table(
              ["TENANT", "NAME", "CREATED"],
              view.map((t) => [t.tenantId, t.name, t.createdAt]),
            ),
      );
    }),
  );
}
