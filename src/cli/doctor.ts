import { readdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { sql } from "kysely";
import { type Config, ConfigError, loadConfig, loadDotEnv } from "../config.ts";
import { findRunningEmbedded } from "../db/embedded.ts";
import { openDatabase } from "../db/open.ts";
import { createDb } from "../db/pool.ts";
import { createUqpayClient, isUqpayError } from "../issuer/uqpay/client.ts";
import { emit, type JsonOption, withJson } from "./io.ts";

/**
 * `doctor`: is this installation able to work? Configuration, database (+ migrations), the
 * test-mode upstream and the live one, each with a hint when it fails. Exit 1 if any check fails.
 * Read-only except in one case: with no DATABASE_URL and no running service, the embedded database
 * is opened the way every CLI command opens it (which applies pending migrations, as `npm start` would).
 */

type Status = "ok" | "fail" | "skip";

export interface Check {
  name: string;
  status: Status;
  detail: string;
  hint?: string;
}

const MIGRATIONS = new URL("../db/migrations/", import.meta.url);
const UPSTREAM_TIMEOUT_MS = 5000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The in-process simulator a running service published in the database, with its credentials. */
async function publishedTestUpstream(config: Config) {
  const url = config.DATABASE_URL ?? (await findRunningEmbedded(config.CARDRAIL_DATA_DIR));
  if (!url) return null;
  const { db } = createDb(url, 1);
  try {
    const row = await db
      .selectFrom("test_issuer")
      .select(["url", "client_id", "api_key"])
      .executeTakeFirst();
    return row?.url
      ? { url: `${row.url}/api`, clientId: row.client_id, apiKey: row.api_key }
      : null;
  } catch {
    return null;
  } finally {
    await db.destroy();
  }
}

async function checkDatabase(config: Config): Promise<Check[]> {
  const files = (await readdir(MIGRATIONS)).filter((f) => f.endsWith(".sql")).sort();
  let url = config.DATABASE_URL;
  const where = url
    ? "PostgreSQL (DATABASE_URL)"
    : `embedded PGlite in ${resolve(config.CARDRAIL_DATA_DIR)}`;
  if (!url) url = (await findRunningEmbedded(config.CARDRAIL_DATA_DIR)) ?? undefined;

  if (!url) {
    // Nobody serves the embedded database: open it as any CLI command would.
    try {
      const database = await openDatabase(config);
      await database.close();
      return [
        { name: "database", status: "ok", detail: `${where} (no service running; opened it)` },
        { name: "migrations", status: "ok", detail: `${files.length} applied` },
      ];
    } catch (error) {
      return [
        {
          name: "database",
          status: "fail",
          detail: `${where}: ${message(error)}`,
          hint: "check that CARDRAIL_DATA_DIR is writable and not opened by another program",
        },
      ];
    }
  }

  const { db } = createDb(url, 1);
  try {
    await sql`SELECT 1`.execute(db);
  } catch (error) {
    await db.destroy();
    const code = (error as NodeJS.ErrnoException).code;
    return [
      {
        name: "database",
        status: "fail",
        detail: `${where}: ${code ?? message(error)}`,
        hint: config.DATABASE_URL
          ? "check DATABASE_URL (host, port, credentials, database name) and that PostgreSQL is running"
          : "the service owning CARDRAIL_DATA_DIR stopped answering; restart it",
      },
    ];
  }
  try {
    const applied = new Set(
      (
        await sql<{ version: string }>`SELECT version FROM schema_migrations`
          .execute(db)
          .catch(() => ({ rows: [] as { version: string }[] }))
      ).rows.map((r) => r.version),
    );
    const pending = files.filter((f) => !applied.has(f));
    return [
      { name: "database", status: "ok", detail: `${where} answers` },
      pending.length === 0
        ? { name: "migrations", status: "ok", detail: `${files.length} applied` }
        : {
            name: "migrations",
            status: "fail",
            detail: `${pending.length} pending: ${pending.join(", ")}`,
            hint: "start the service (npm start) or run any CLI command: migrations apply at open",
          },
    ];
  } finally {
    await db.destroy();
  }
}

/** Reachability and a token from a UQPay-compatible upstream (the simulator speaks the same API). */
async function checkUpstream(
  label: string,
  baseUrl: string,
  clientId: string,
  apiKey: string,
  credentialHint: string,
): Promise<Check[]> {
  const client = createUqpayClient({
    baseUrl,
    clientId,
    apiKey,
    timeoutMs: UPSTREAM_TIMEOUT_MS,
    maxRetries: 0,
  });
  try {
    await client.getToken();
    return [
      { name: `${label} reachable`, status: "ok", detail: baseUrl },
      { name: `${label} token`, status: "ok", detail: "obtained an access token" },
    ];
  } catch (error) {
    const kind = isUqpayError(error) ? error.kind : "network";
    if (kind === "network" || kind === "timeout") {
      return [
        {
          name: `${label} reachable`,
          status: "fail",
          detail: `${baseUrl}: ${kind === "timeout" ? `no answer in ${UPSTREAM_TIMEOUT_MS} ms` : message(error)}`,
          hint: "check the URL, DNS and outbound network access (firewall, proxy)",
        },
        { name: `${label} token`, status: "skip", detail: "upstream not reachable" },
      ];
    }
    const status = isUqpayError(error) ? error.httpStatus : undefined;
    return [
      { name: `${label} reachable`, status: "ok", detail: baseUrl },
      {
        name: `${label} token`,
        status: "fail",
        detail: `refused${status ? ` (HTTP ${status})` : ""}: ${message(error)}`,
        hint: credentialHint,
      },
    ];
  }
}

export async function runDoctor(): Promise<Check[]> {
  const checks: Check[] = [];
  let config: Config;
  try {
    loadDotEnv();
    config = loadConfig();
    checks.push({ name: "configuration", status: "ok", detail: "environment and .env are valid" });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    checks.push({
      name: "configuration",
      status: "fail",
      detail: error.problems.join("; "),
      hint: "fix these variables in the environment or .env (see .env.example and the README's Configuration)",
    });
    for (const name of ["database", "test upstream", "live upstream"])
      checks.push({ name, status: "skip", detail: "needs a valid configuration" });
    return checks;
  }

  checks.push(...(await checkDatabase(config)));

  const test = config.SIMULATOR_URL
    ? {
        url: config.SIMULATOR_URL,
        clientId: config.SIMULATOR_CLIENT_ID,
        apiKey: config.SIMULATOR_API_KEY,
      }
    : await publishedTestUpstream(config);
  if (test) {
    checks.push(
      ...(await checkUpstream(
        "test upstream",
        test.url,
        test.clientId,
        test.apiKey,
        "check SIMULATOR_CLIENT_ID / SIMULATOR_API_KEY against the simulator's",
      )),
    );
  } else {
    checks.push({
      name: "test upstream",
      status: "skip",
      detail: "the built-in simulator starts with the service; none is running now (npm start)",
    });
  }

  if (config.UQPAY_CLIENT_ID && config.UQPAY_API_KEY) {
    checks.push(
      ...(await checkUpstream(
        "live upstream",
        config.UQPAY_BASE_URL,
        config.UQPAY_CLIENT_ID,
        config.UQPAY_API_KEY,
        "check UQPAY_CLIENT_ID / UQPAY_API_KEY (and that UQPAY_BASE_URL is the environment they belong to)",
      )),
    );
  } else {
    checks.push({
      name: "live upstream",
      status: "skip",
      detail: "not configured (UQPAY_CLIENT_ID / UQPAY_API_KEY unset): live keys get 503",
    });
  }
  return checks;
}

const MARK: Record<Status, string> = { ok: "✓", fail: "✗", skip: "–" };

export function doctorCommand(program: Command): void {
  withJson(
    program
      .command("doctor")
      .description(
        "check configuration, database and migrations, the test-mode and live upstreams (reachability and token); exit 1 if anything fails",
      ),
  ).action(async (options: JsonOption) => {
    const checks = await runDoctor();
    const ok = checks.every((c) => c.status !== "fail");
    emit(options, { ok, checks }, () => {
      const width = Math.max(...checks.map((c) => c.name.length));
      const lines = checks.flatMap((c) => [
        `${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}`,
        ...(c.hint ? [`  ${" ".repeat(width)}  hint: ${c.hint}`] : []),
      ]);
      const failed = checks.filter((c) => c.status === "fail").length;
      lines.push("", ok ? "All checks passed." : `${failed} check(s) failed.`);
      return lines.join("\n");
    });
    if (!ok) process.exitCode = 1;
  });
}
