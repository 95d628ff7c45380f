import type { Command } from "commander";
import { listRevealAudit } from "../modules/security/audit.ts";
import type { CliSession } from "./context.ts";
import { CliError, emit, type JsonOption, table, withJson } from "./io.ts";
import { requireNonEmpty } from "./options.ts";

interface RevealsOptions extends JsonOption {
  tenant?: string;
  card?: string;
  since?: string;
  limit: string;
}

function parseSince(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    throw new CliError(
      `--since "${value}" is not an ISO 8601 date or time (e.g. 2026-11-01T00:00:00Z)`,
    );
  }
  return date;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new CliError(`--limit "${value}" must be an integer from 1 to 100000`);
  }
  return n;
}

/** The reveal audit trail (PCI DSS 10.2): who revealed which card, when, from where. */
export function auditCommands(program: Command, cli: CliSession): void {
  const audit = program.command("audit").description("read the audit trails");

  withJson(
    audit
      .command("reveals")
      .description(
        "list card reveals, newest first: key, card, time, client address, request id, and whether a reveal token was used",
      )
      .option("--tenant <id>", "only this tenant (ten_…)")
      .option("--card <id>", "only this card (our id or the issuer's)")
      .option("--since <iso>", "only reveals at or after this time (ISO 8601)")
      .option("--limit <n>", "at most this many rows", "1000"),
  ).action((options: RevealsOptions) =>
    cli.withDatabase(async ({ db }) => {
      const rows = await listRevealAudit(db, {
        tenantId:
          options.tenant === undefined ? undefined : requireNonEmpty(options.tenant, "--tenant"),
        cardId: options.card === undefined ? undefined : requireNonEmpty(options.card, "--card"),
        since: options.since === undefined ? undefined : parseSince(options.since),
        limit: parseLimit(options.limit),
      });
      emit(cli.io, options, { reveals: rows }, () =>
        rows.length === 0
          ? "No reveals match."
          : table(
              ["TIME", "TENANT", "MODE", "CARD", "API KEY", "VIA", "CLIENT IP", "REQUEST ID"],
              rows.map((r) => [
                r.revealedAt,
                r.tenantId,
                r.mode,
                r.cardId,
                r.apiKeyId,
                r.via,
                r.clientIp,
                r.requestId,
              ]),
            ),
      );
    }),
  );
}
