import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../../src/cli/launch.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { freshDatabaseUrl } from "../fixtures/database.ts";

/**
 * Runs the CLI as a real child process, the way an operator does: kept for a few smoke tests of the
 * process itself (exit codes, separate processes); every other test runs the CLI in this process
 * (inProcessCli), which is the same launch path without a Node and tsx start per command.
 * Asynchronous on purpose: when the test process hosts the service, its event loop must keep
 * serving the operator channel the CLI sends its command to. The cwd is a scratch folder so a
 * developer's .env cannot leak into the test.
 */

const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const tsx = import.meta.resolve("tsx");

const defined = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read many JSON shapes; each assertion checks the fields it uses.
  json: () => any;
}

export function cliRunner(env: Record<string, string | undefined>, cwd: string) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith("CARDRAIL_") &&
        key !== "DATABASE_URL" &&
        !key.startsWith("VITEST") &&
        key !== "NODE_ENV",
    ),
  );
  return (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", tsx, main, ...args],
        { cwd, env: defined({ ...base, LOG_LEVEL: "silent", ...env }), timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
          resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
        },
      );
    });
}

export interface ServiceForCli {
  runtime: Runtime;
  url: string;
  dataDir: string;
  cli: (...args: string[]) => Promise<CliResult>;
  close(): Promise<void>;
}

/**
 * A running service for CLI tests, the case an operator hits while `npm start` runs: with
 * DATABASE_URL both use a fresh PostgreSQL database; without it the service owns an embedded PGlite
 * in a temp data folder and the CLI's commands run in it through its operator channel.
 */
export async function startServiceForCli(prefix: string): Promise<ServiceForCli> {
  const database = await freshDatabaseUrl();
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const env = {
    CARDRAIL_DATA_DIR: join(dataDir, "data"),
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  const config = loadConfig({
    ...env,
    LOG_LEVEL: "silent",
    SIMULATOR_REVIEW_DELAY_MS: "50",
    SIMULATOR_CARD_ACTIVATION_DELAY_MS: "20",
    STRICT_RESPONSE_SCHEMAS: "true",
  });
  const runtime = await createRuntime(config, createLogger("silent"));
  const url = await runtime.app.listen({ port: 0, host: "127.0.0.1" });
  await runtime.connectSimulatorWebhooks(url);
  return {
    runtime,
    url,
    dataDir,
    cli: cliInProcess(env, dataDir),
    async close() {
      await runtime.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A CliIo that collects what a command prints, for running the CLI in-process. */
export function bufferIo(cwd: string, options: { stderrIsTTY?: boolean } = {}) {
  const io = {
    out: "",
    err: "",
    cwd,
    stderrIsTTY: options.stderrIsTTY ?? false,
    exitCode: 0,
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

/**
 * The CLI's whole launch path (owner decision, operator channel or local open) run in this
 * process with `env` instead of process.env: what `npm run cli` does, without a process start.
 */
export function inProcessCli(env: Record<string, string | undefined>, cwd: string) {
  return async (
    args: string[],
    options: { stderrIsTTY?: boolean; cwd?: string } = {},
  ): Promise<CliResult> => {
    const io = bufferIo(options.cwd ?? cwd, options);
    const code = await launch(args, io, { LOG_LEVEL: "silent", ...defined(env) });
    return { code, stdout: io.out, stderr: io.err, json: () => JSON.parse(io.out) };
  };
}

/** inProcessCli with cliRunner's signature: `cli("tenants", "list", "--json")`. */
export function cliInProcess(env: Record<string, string | undefined>, cwd: string) {
  const run = inProcessCli(env, cwd);
  return (...args: string[]): Promise<CliResult> => run(args);
}
