import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { freshDatabaseUrl } from "../../test/fixtures/database.ts";
import { type CliResult, cliInProcess, cliRunner } from "../../test/support/cli.ts";

// A smoke test of the CLI process itself: each command a Node start plus tsx; a loaded machine needs room.
vi.setConfig({ testTimeout: 120_000 });

/**
 * The CLI with no service running: embedded mode opens the data folder's PGlite itself (and
 * releases it afterwards); with DATABASE_URL it talks to that server directly. Data written by one
 * command is there for the next, separate process.
 */

let dataDir: string;
let dropDatabase: () => Promise<void>;
let databaseUrl: string | undefined;
let cli: (...args: string[]) => Promise<CliResult>;

beforeAll(async () => {
  const database = await freshDatabaseUrl();
  databaseUrl = database.url;
  dropDatabase = database.drop;
  dataDir = await mkdtemp(join(tmpdir(), "cardrail-cli-alone-"));
  cli = cliRunner(
    { CARDRAIL_DATA_DIR: join(dataDir, "data"), DATABASE_URL: database.url },
    dataDir,
  );
});

afterAll(async () => {
  await dropDatabase?.();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it("creates, funds and shows a tenant across separate CLI processes without a running service", async () => {
  const created = await cli("tenants", "create", "--name", "Offline Co", "--json");
  expect(created.code, created.stderr).toBe(0);
  const { tenantId } = created.json();

  const funded = await cli(
    "wallets",
    "fund",
    "--tenant",
    tenantId,
    "--currency",
    "USD",
    "--amount",
    "12.34",
    "--reference",
    "r1",
  );
  expect(funded.code, funded.stderr).toBe(0);
  expect(funded.stdout).toContain("USD 12.34");

  const shown = await cli("wallets", "show", "--tenant", tenantId, "--json");
  expect(shown.json()).toEqual({
    tenantId,
    wallets: [{ mode: "test", currency: "USD", balance: 12.34 }],
  });

  if (!databaseUrl) {
    // The embedded database lives in the data folder and the CLI let go of it (nothing left that looks like a running owner).
    expect(existsSync(join(dataDir, "data", "pgdata"))).toBe(true);
    expect(existsSync(join(dataDir, "data", "operator.sock"))).toBe(false);
  }
});

it("reports an unreachable database in one line", async () => {
  const unreachable = cliInProcess(
    { DATABASE_URL: "postgres://postgres@127.0.0.1:1/postgres" },
    dataDir,
  );
  const result = await unreachable("tenants", "list");
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(/cannot reach the database/);
});
