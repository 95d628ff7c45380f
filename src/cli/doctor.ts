import { readdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { sql } from "kysely";
import { type Config, ConfigError } from "../config.ts";
import { createDb, type Db } from "../db/pool.ts";
import { createUqpayClient, isUqpayError } from "../issuer/uqpay/client.ts";
import { type CliSession, RunInOwner } from "./context.ts";
import { emit, type JsonOption, withJson } from "./io.ts";

/**
 * `doctor`: is this installation able to work? Configuration, database (+ migrations), the
 * test-mode upstream and the live one, each with a hint when it fails. Exit 1 if any check fails.
 * Read-only except in one case: with no DATABASE_URL and no running service, the embedded database
 * is opened the way every CLI command opens it (which applies pending migrations, as `npm start` would).
 * With a running service, the service runs it (operator channel) and checks its own database.
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

/**
 * The in-process simulator a running service published in the database, with its credentials.
 * The embedded database's row is read only through the running service: with none running, the
 * row is a stopped service's and names nothing that answers.
 */
async function publishedTestUpstream(cli: CliSession, config: Config) {
  const read = async (db: Db) => {
    const row = await db
      .selectFrom("test_issuer")
      .select(["url", "client_id", "api_key"])
      .executeTakeFirst()
      .catch(() => undefined);
    return row?.url
      ? { url: `${row.url}/api`, clientId: row.client_id, apiKey: row.api_key }
      : null;
  };
  if (!config.DATABASE_URL) {
    if (cli.reachedBy !== "the running service") return null;
    return cli.withDatabase(({ db }) => read(db));
  }
  const { db } = createDb(config.DATABASE_URL, 1);
  try {
    return await read(db);
  } finally {
    await db.destroy();
  }
}

async function checkDatabase(cli: CliSession, config: Config): Promise<Check[]> {
  const files = (await readdir(MIGRATIONS)).filter((f) => f.endsWith(".sql")).sort();
  if (!config.DATABASE_URL) {
    // The embedded database: through the service that owns the folder, or opened by this command
    // when none runs (which applies pending migrations, as `npm start` would).
    const where = `embedded PGlite in ${resolve(config.CARDRAIL_DATA_DIR)}`;
    try {
      return await cli.withDatabase(({ db }) =>
        checkMigrations(db, files, `${where} (reached by ${cli.reachedBy})`),
      );
    } catch (error) {
      if (error instanceof RunInOwner) throw error; // the running service answers instead
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

  // PostgreSQL: read-only, so a pending migration is reported rather than applied.
  const where = "PostgreSQL (DATABASE_URL)";
  const { db } = createDb(config.DATABASE_URL, 1);
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
        hint: "check DATABASE_URL (host, port, credentials, database name) and that PostgreSQL is running",
      },
    ];
  }
  try {
    return await checkMigrations(db, files, where);
  } finally {
    await db.destroy();
  }
}

async function checkMigrations(db: Db, files: string[], where: string): Promise<Check[]> {
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

export async function runDoctor(cli: CliSession): Promise<Check[]> {
  const checks: Check[] = [];
  let config: Config;
  try {
    config = cli.config();
    checks.push({ name: "configuration", status: "ok", detail: "environment and .env are valid" });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    checks.push({
      name: "configuration",
      status: "fail",
      detail: error.problems.join("; "),
      hint: "fix these variables in the environment or .env (see .env.example and docs/configuration.md)",
    });
    for (const name of ["database", "test upstream", "live upstream"])
      checks.push({ name, status: "skip", detail: "needs a valid configuration" });
    return checks;
  }

  checks.push(...(await checkDatabase(cli, config)));

  const test = config.SIMULATOR_URL
    ? {
        url: config.SIMULATOR_URL,
        clientId: config.SIMULATOR_CLIENT_ID,
        apiKey: config.SIMULATOR_API_KEY,
      }
    : await publishedTestUpstream(cli, config);
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

export function doctorCommand(program: Command, cli: CliSession): void {
  withJson(
    program
      .command("doctor")
      .description(
        "check configuration, database and migrations, the test-mode and live upstreams (reachability and token); exit 1 if anything fails",
      ),
  ).action(async (options: JsonOption) => {
    const checks = await runDoctor(cli);
    const ok = checks.every((c) => c.status !== "fail");
    emit(cli.io, options, { ok, checks }, () => {
      const width = Math.max(...checks.map((c) => c.name.length));
      const lines = checks.flatMap((c) => [
        `${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}`,
        ...(c.hint ? [`  ${" ".repeat(width)}  hint: ${c.hint}`] : []),
      ]);
      const failed = checks.filter((c) => c.status === "fail").length;
      lines.push("", ok ? "All checks passed." : `${failed} check(s) failed.`);
      return lines.join("\n");
    });
    if (!ok) cli.io.exitCode = 1;
  });
}
