import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../test/fixtures/database.ts";
import { type CliResult, cliInProcess } from "../../test/support/cli.ts";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { createRuntime, type Runtime } from "../runtime.ts";

/** `doctor` (run in this process) next to a running service, which owns the test-mode simulator. */

let runtime: Runtime;
let dataDir: string;
let env: Record<string, string>;
let dropDatabase: () => Promise<void>;
let cli: (...args: string[]) => Promise<CliResult>;

beforeAll(async () => {
  const database = await freshDatabaseUrl();
  dropDatabase = database.drop;
  dataDir = await mkdtemp(join(tmpdir(), "cardrail-doctor-"));
  env = {
    CARDRAIL_DATA_DIR: join(dataDir, "data"),
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  const config = loadConfig({ ...env, LOG_LEVEL: "silent" });
  runtime = await createRuntime(config, createLogger("silent"));
  await runtime.app.listen({ port: 0, host: "127.0.0.1" });
  cli = cliInProcess(env, dataDir);
});

afterAll(async () => {
  await runtime?.close();
  await dropDatabase?.();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Check {
  name: string;
  status: "ok" | "fail" | "skip";
  detail: string;
  hint?: string;
}
const statuses = (result: CliResult) =>
  Object.fromEntries((result.json().checks as Check[]).map((c) => [c.name, c.status]));

describe("doctor", () => {
  it("passes with the database migrated and the running service's simulator giving a token", async () => {
    const result = await cli("doctor", "--json");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json().ok).toBe(true);
    expect(statuses(result)).toEqual({
      configuration: "ok",
      database: "ok",
      migrations: "ok",
      "test upstream reachable": "ok",
      "test upstream token": "ok",
      "live upstream": "skip",
    });

    const human = await cli("doctor");
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^✓ configuration/m);
    expect(human.stdout).toMatch(/^✓ test upstream token/m);
    expect(human.stdout).toMatch(/All checks passed/);
  });

  it("fails with a hint when the live upstream cannot be reached", async () => {
    // A command sent to a running service runs with the service's configuration; this one runs
    // with its own (a data folder no service owns, or PostgreSQL).
    const run = cliInProcess(
      {
        ...env,
        CARDRAIL_DATA_DIR: join(dataDir, "no-service"),
        UQPAY_CLIENT_ID: "client",
        UQPAY_API_KEY: "key",
        // Nothing listens on port 1.
        UQPAY_BASE_URL: "http://127.0.0.1:1/api",
      },
      dataDir,
    );
    const json = await run("doctor", "--json");
    expect(json.code).toBe(1);
    expect(json.json().ok).toBe(false);
    const live = (json.json().checks as Check[]).find((c) => c.name === "live upstream reachable");
    expect(live).toMatchObject({ status: "fail", hint: expect.stringMatching(/network/) });

    const human = await run("doctor");
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^✗ live upstream reachable/m);
    expect(human.stdout).toMatch(/hint: /);
    expect(human.stdout).toMatch(/1 check\(s\) failed/);
  });

  it("fails on an invalid configuration, naming the variable, and skips what depends on it", async () => {
    const run = cliInProcess({ ...env, PORT: "not-a-port" }, dataDir);
    const result = await run("doctor", "--json");
    expect(result.code).toBe(1);
    const checks = result.json().checks as Check[];
    expect(checks[0]).toMatchObject({ name: "configuration", status: "fail" });
    expect(checks[0]?.detail).toMatch(/PORT/);
    expect(checks.slice(1).every((c) => c.status === "skip")).toBe(true);
  });

  it("fails when the database cannot be reached", async () => {
    const run = cliInProcess(
      { ...env, DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" },
      dataDir,
    );
    const result = await run("doctor", "--json");
    expect(result.code).toBe(1);
    const database = (result.json().checks as Check[]).find((c) => c.name === "database");
    expect(database).toMatchObject({ status: "fail", hint: expect.stringMatching(/DATABASE_URL/) });
  });
});
