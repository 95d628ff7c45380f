import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jpeg } from "../../../test/fixtures/files.ts";
import { type CliResult, inProcessCli } from "../../../test/support/cli.ts";
import { loadConfig } from "../../config.ts";
import { createLogger } from "../../logger.ts";
import { createRuntime, type Runtime } from "../../runtime.ts";
import { channelFiles } from "./protocol.ts";

/**
 * The CLI next to a running service that owns the embedded data folder: the command travels over
 * the operator channel and runs in the service (the embedded database has no other door). Always
 * embedded, whatever DATABASE_URL says: with PostgreSQL the CLI connects to the server directly.
 */

let runtime: Runtime;
let scratch: string;
let dataDir: string;
let cli: (args: string[], options?: { stderrIsTTY?: boolean; cwd?: string }) => Promise<CliResult>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cardrail-channel-"));
  dataDir = join(scratch, "data");
  runtime = await createRuntime(
    loadConfig({
      CARDRAIL_DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      SIMULATOR_REVIEW_DELAY_MS: "50",
    }),
    createLogger("silent"),
  );
  await runtime.app.listen({ port: 0, host: "127.0.0.1" });
  cli = inProcessCli({ CARDRAIL_DATA_DIR: dataDir }, scratch);
});

afterAll(async () => {
  await runtime?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** One raw request on the channel: what a local program that did not read the token can send. */
function rawRequest(line: string, socketPath = channelFiles(dataDir).socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath });
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(`${line}\n`);
  });
}

async function tenant(): Promise<string> {
  const created = await cli(["tenants", "create", "--name", "Channel Co", "--json"]);
  expect(created.code, created.stderr).toBe(0);
  return created.json().tenantId;
}

describe("the CLI through the running service", () => {
  it("funds a wallet in the service's own database (the service sees it at once)", async () => {
    const tenantId = await tenant();
    const funded = await cli([
      "wallets",
      "fund",
      "--tenant",
      tenantId,
      "--currency",
      "USD",
      "--amount",
      "5.00",
      "--json",
    ]);
    expect(funded.code, funded.stderr).toBe(0);
    expect(funded.json()).toMatchObject({ applied: true, balance: 5 });
    const row = await runtime.database.db
      .selectFrom("ledger_accounts")
      .select("balance")
      .where("tenant_id", "=", tenantId)
      .where("kind", "=", "wallet")
      .executeTakeFirstOrThrow();
    expect(row.balance).toBe(500n);
  });

  it("streams reconcile's progress lines and passes its exit code back", async () => {
    const result = await cli(["reconcile"], { stderrIsTTY: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Reconciliation clean.");
    expect(result.stderr).toMatch(/cards \[#+\] 0\/0\n/);

    const usage = await cli(["wallets", "fund", "--tenant"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/argument missing/);
  });

  it("imports a CSV named relative to the operator's cwd, not the service's", async () => {
    const tenantId = await tenant();
    const batch = join(scratch, "batch");
    await mkdir(join(batch, "docs"), { recursive: true });
    await writeFile(join(batch, "docs", "asha.jpg"), jpeg());
    await writeFile(
      join(batch, "people.csv"),
      [
        "email,firstName,lastName,country,mobile,kycDocType,kycIdNumber,docFront",
        "asha.channel@example.com,Asha,Rao,IN,9811100001,passport,P7000001,docs/asha.jpg",
      ].join("\n"),
    );
    const result = await cli(
      ["cardholders", "import", "--tenant", tenantId, "--csv", "people.csv", "--json"],
      { cwd: batch },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ created: 1, failed: 0 });
  });
});

describe("the operator channel", () => {
  const request = (token: unknown) =>
    JSON.stringify({
      token,
      args: ["tenants", "create", "--name", "Intruder", "--json"],
      cwd: scratch,
      stderrIsTTY: false,
    });

  it("refuses a request without the token, with a wrong one, or malformed, and runs nothing", async () => {
    const before = await runtime.database.db.selectFrom("tenants").select("id").execute();
    expect(await rawRequest(request(undefined))).toBe('{"refused":"malformed request"}\n');
    expect(await rawRequest(request("x".repeat(43)))).toBe('{"refused":"invalid token"}\n');
    expect(await rawRequest(request(""))).toBe('{"refused":"invalid token"}\n');
    expect(await rawRequest("\u0000\u0000\u0000\u0008\u0000\u0003\u0000\u0000")).toBe(
      '{"refused":"malformed request"}\n',
    );
    const after = await runtime.database.db.selectFrom("tenants").select("id").execute();
    expect(after).toHaveLength(before.length);
  });

  it("refuses the token of another data folder's service", async () => {
    const otherDir = join(scratch, "other");
    const other = await createRuntime(
      loadConfig({ CARDRAIL_DATA_DIR: otherDir, LOG_LEVEL: "silent" }),
      createLogger("silent"),
    );
    try {
      const otherToken = await readFile(channelFiles(otherDir).token, "utf8");
      expect(await rawRequest(request(otherToken))).toBe('{"refused":"invalid token"}\n');
    } finally {
      await other.close();
    }
  });

  it("lives in the private data folder: socket and token are owner-only", async () => {
    const files = channelFiles(dataDir);
    expect(((await stat(dataDir)).mode & 0o777).toString(8)).toBe("700");
    expect(((await stat(files.socket)).mode & 0o777).toString(8)).toBe("600");
    expect(((await stat(files.token)).mode & 0o777).toString(8)).toBe("600");
  });
});
