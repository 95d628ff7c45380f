import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, cliInProcess, cliRunner } from "../../test/support/cli.ts";

/** Help, usage errors and configuration errors: none of them needs (or touches) a database. */

let dir: string;
let cli: (...args: string[]) => Promise<CliResult>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cardrail-cli-usage-"));
  // A data folder that does not exist: any attempt to open a database would create it.
  cli = cliInProcess({ CARDRAIL_DATA_DIR: join(dir, "never-created") }, dir);
});

afterAll(async () => {
  expect(existsSync(join(dir, "never-created"))).toBe(false);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const commands = [
  ["tenants", "create"],
  ["tenants", "list"],
  ["keys", "create"],
  ["keys", "revoke"],
  ["keys", "list"],
  ["wallets", "fund"],
  ["wallets", "show"],
  ["wallets", "transactions"],
  ["products", "list"],
  ["products", "add"],
  ["products", "disable"],
  ["products", "enable"],
  ["cards", "list"],
  ["cards", "show"],
  ["cards", "freeze"],
  ["cards", "unfreeze"],
  ["cards", "cancel"],
  ["cards", "top-up"],
  ["cards", "withdraw"],
  ["transactions", "list"],
];

describe("--help", () => {
  it("works for the program and every group", async () => {
    const results = await Promise.all(
      [[], ["tenants"], ["keys"], ["wallets"], ["products"], ["cards"], ["transactions"]].map(
        (path) => cli(...path, "--help"),
      ),
    );
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^Usage: cardrail/);
    }
    expect(results[0]?.stdout).toMatch(/tenants[\s\S]*keys[\s\S]*wallets[\s\S]*products/);
  });

  it("works for every command and documents --json", async () => {
    const results = await Promise.all(commands.map((path) => cli(...path, "--help")));
    results.forEach((result, i) => {
      const path = commands[i] ?? [];
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Usage: cardrail ${path.join(" ")}`);
      expect(result.stdout).toContain("--json");
    });
  });
});

describe("usage errors exit 2", () => {
  it("missing required options, unknown options and unknown commands", async () => {
    const cases: [string[], RegExp][] = [
      [["tenants", "create"], /required option '--name/],
      [["wallets", "fund", "--tenant", "t", "--currency", "USD"], /required option '--amount/],
      [["keys", "list", "--tenant", "t", "--bogus"], /unknown option '--bogus'/],
      [["wallet", "show"], /unknown command 'wallet'/],
      [["tenants"], /Usage: cardrail tenants/],
      [["cards", "show", "--tenant", "t"], /required option '--card/],
      [["cards", "top-up", "--tenant", "t", "--card", "c"], /required option '--amount/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((result, i) => {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(cases[i]?.[1] ?? /never/);
    });
  });
});

// A smoke test of the CLI process (Node start plus tsx): its exit code and output, not only run()'s.
it("lists every invalid configuration key, without a stack trace", {
  timeout: 120_000,
}, async () => {
  const bad = cliRunner({ PORT: "not-a-port", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" }, dir);
  const result = await bad("tenants", "list", "--json");
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/Invalid configuration/);
  for (const key of ["PORT", "DATABASE_URL", "LOG_LEVEL"]) expect(result.stderr).toContain(key);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});
