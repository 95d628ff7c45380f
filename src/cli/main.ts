import { CommanderError } from "commander";
import { DatabaseError } from "pg";
import { ConfigError } from "../config.ts";
import { describeExpected } from "./io.ts";
import { buildProgram } from "./program.ts";

/**
 * `npm run cli -- <group> <command> [options]`. Exit codes: 0 success, 1 a failed command (bad
 * input, unknown id, invalid configuration, unreachable database), 2 a usage error, 3 reconcile
 * found problems.
 */

const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

function fail(message: string, code: number): number {
  process.stderr.write(`error: ${message}\n`);
  return code;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may report a result through its exit code (reconcile: 3 when it finds problems).
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the help or the usage message.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    const expected = describeExpected(error);
    if (expected !== null) return fail(expected, 1);
    const code = (error as NodeJS.ErrnoException).code;
    if (code && CONNECTION_ERRORS.has(code)) {
      return fail(
        `cannot reach the database (${code}); check DATABASE_URL, or that the service owning CARDRAIL_DATA_DIR is running`,
        1,
      );
    }
    if (error instanceof DatabaseError) return fail(`database error: ${error.message}`, 1);
    // A bug, not an operator mistake: the stack helps whoever fixes it.
    process.stderr.write(
      `error: unexpected failure: ${(error as Error).message} (CARDRAIL_DEBUG=1 shows details)\n`,
    );
    if (process.env.CARDRAIL_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

// Exit explicitly: a pool or socket left half-open by a failure must not keep the CLI hanging.
// (stdout/stderr to pipes and files are synchronous on Linux, so nothing written is lost.)
process.exit(await run(process.argv));
