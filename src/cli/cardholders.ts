import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { parse } from "csv-parse/sync";
import { sha256Hex } from "../core/deterministic-uuid.ts";
import { CardrailError, type FieldIssue } from "../core/errors.ts";
import type { Mode } from "../db/schema.ts";
import { createCardholder } from "../modules/cardholders/create.ts";
import {
  cardholderFieldsSchema,
  crossFieldIssues,
  FILE_FIELDS,
  TEXT_FIELDS,
} from "../modules/cardholders/fields.ts";
import { findHolder } from "../modules/cardholders/service.ts";
import { sniffKycFile } from "../modules/documents/sniff.ts";
import type { KycFiles } from "../modules/documents/vault.ts";
import type { CliSession } from "./context.ts";
import { CliError, emit, type JsonOption, table, withJson } from "./io.ts";
import { requireTenant } from "./keys.ts";
import { operatorContext } from "./operator-context.ts";
import { PROBLEMS_FOUND_EXIT } from "./reconcile.ts";

interface RowResult {
  row: number;
  email: string;
  holderId?: string;
  status?: string;
  replayed?: boolean;
  error?: string;
}

/**
 * `cardholders import`: one cardholder per CSV row, through the same core verb as
 * POST /cardholders (same validation, content sniffing, encrypted documents, durable submission).
 * Each row carries an Idempotency-Key derived from its content, so running the same file again
 * creates nothing twice and reports the cardholders it made the first time.
 */
export function cardholdersCommands(program: Command, cli: CliSession): void {
  const cardholders = program.command("cardholders").description("bulk operations on cardholders");
  withJson(
    cardholders
      .command("import")
      .description(
        "create cardholders from a CSV file with a header row of the API's field names (email, firstName, lastName, country, mobile, kycDocType, kycIdNumber, docFront, …); docFront/docBack/selfie are file paths relative to the CSV. Exit 3 when some rows failed",
      )
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .requiredOption("--csv <file>", "the CSV file")
      .option("--live", "create them in live mode (default: test mode)"),
  ).action((options: { tenant: string; csv: string; live?: boolean } & JsonOption) =>
    cli.withDatabase(async ({ config, db }) => {
      const tenantId = await requireTenant(db, options.tenant);
      const mode: Mode = options.live ? "live" : "test";
      // The operator's cwd, which is not this process's when the service runs the command for a CLI.
      const csvPath = resolve(cli.io.cwd, options.csv);
      const text = await readFile(csvPath, "utf8").catch(() => {
        throw new CliError(`--csv: cannot read ${csvPath}`);
      });
      let rows: Record<string, string>[];
      try {
        rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
      } catch (error) {
        throw new CliError(`--csv: not a valid CSV file (${(error as Error).message})`);
      }
      const ctx = await operatorContext(
        { config, db },
        { tenantId, mode },
        { issuer: "required", documents: true },
      );
      const progress = !options.json && cli.io.stderrIsTTY;
      const results: RowResult[] = [];
      for (const [index, row] of rows.entries()) {
        if (progress) cli.io.stderr(`\r  importing ${index + 1}/${rows.length}`);
        const result: RowResult = { row: index + 2, email: row.email ?? "" }; // +2: header line, 1-based
        try {
          const input = await readRow(row, dirname(csvPath), config.UPLOAD_MAX_FILE_BYTES);
          const { created, replayed } = await createCardholder(ctx, {
            ...input,
            idempotencyKey: `import-${sha256Hex(JSON.stringify(row)).slice(0, 40)}`,
          });
          Object.assign(result, {
            holderId: created.holderId,
            // A row imported before shows its status now, not the one it had when first imported.
            status: replayed
              ? (await findHolder(ctx, { holderId: created.holderId })).status
              : created.holderStatus,
            replayed,
          });
        } catch (error) {
          if (!(error instanceof CardrailError)) throw error;
          const fields = Array.isArray(error.details) ? (error.details as FieldIssue[]) : [];
          result.error =
            fields.length > 0
              ? fields.map((f) => `${f.field}: ${f.message}`).join("; ")
              : error.message;
        }
        results.push(result);
      }
      if (progress) cli.io.stderr("\n");
      const failed = results.filter((r) => r.error).length;
      const already = results.filter((r) => r.replayed).length;
      const created = results.length - failed - already;
      emit(
        cli.io,
        options,
        { tenantId, mode, created, alreadyImported: already, failed, rows: results },
        () =>
          [
            `${results.length} rows for ${tenantId} (${mode} mode): ${created} imported, ${already} already imported before, ${failed} failed.`,
            table(
              ["ROW", "EMAIL", "HOLDER", "STATUS", "ERROR"],
              results.map((r) => [
                String(r.row),
                r.email,
                r.holderId,
                r.replayed ? `${r.status} (imported before)` : r.status,
                r.error,
              ]),
            ),
          ].join("\n"),
      );
      if (failed > 0) cli.io.exitCode = PROBLEMS_FOUND_EXIT;
    }),
  );
}

/** A CSV row → the same validated input POST /cardholders builds from a multipart form. */
async function readRow(row: Record<string, string>, baseDir: string, maxFileBytes: number) {
  const issues: FieldIssue[] = [];
  const fields = Object.fromEntries(
    Object.entries(row).filter(([name, value]) => TEXT_FIELDS.has(name) && value !== ""),
  );
  const parsed = cardholderFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? "row");
      issues.push({ field, message: fields[field] === undefined ? "required" : issue.message });
    }
  } else {
    issues.push(...crossFieldIssues(parsed.data, new Date().toISOString().slice(0, 10)));
  }
  const files: Partial<KycFiles> = {};
  for (const field of FILE_FIELDS) {
    const path = row[field];
    if (!path) continue;
    const full = resolve(baseDir, path);
    const size = await stat(full).then(
      (s) => s.size,
      () => -1,
    );
    if (size < 0) {
      issues.push({ field, message: `cannot read ${path}` });
      continue;
    }
    if (size > maxFileBytes) {
      issues.push({ field, message: `larger than ${maxFileBytes} bytes` });
      continue;
    }
    const sniffed = await sniffKycFile(field, await readFile(full));
    if ("field" in sniffed) issues.push(sniffed);
    else files[field as keyof KycFiles] = sniffed;
  }
  if (!row.docFront) issues.push({ field: "docFront", message: "required" });
  if (issues.length > 0 || !parsed.success || !files.docFront) {
    throw new CardrailError("validation_error", "Invalid row", issues);
  }
  return { fields: parsed.data, files: files as KycFiles };
}
