import { CommanderError } from "commander";
import { ConfigError } from "../config.ts";
import { isDatabaseError } from "../db/constraint.ts";
import { type CliHost, RunInOwner, session } from "./context.ts";
import { type CliIo, describeExpected } from "./io.ts";
import { buildProgram } from "./program.ts";

/**
 * Runs one CLI command (`args` without node and the script) against `host`, writing to `io`, and
 * returns its exit code: 0 success, 1 a failed command (bad input, unknown id, invalid
 * configuration, unreachable database), 2 a usage error, 3 reconcile or import found problems.
 * The CLI process calls it, and so does the service for a CLI on its operator channel.
 */

const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

export async function run(args: string[], io: CliIo, host: CliHost): Promise<number> {
  const fail = (message: string, code: number) => {
    io.stderr(`error: ${message}\n`);
    return code;
  };
  const program = buildProgram(session(io, host));
  try {
    await program.parseAsync(args, { from: "user" });
    return io.exitCode;
  } catch (error) {
    if (error instanceof RunInOwner) throw error; // not a failure: launch.ts sends it to the owner
    if (error instanceof CommanderError) {
      // Commander already printed the help or the usage message.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
    }
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    const expected = describeExpected(error);
    if (expected !== null) return fail(expected, 1);
    const code = (error as NodeJS.ErrnoException).code;
    if (code && CONNECTION_ERRORS.has(code)) {
      return fail(`cannot reach the database (${code}); check DATABASE_URL`, 1);
    }
    if (isDatabaseError(error)) return fail(`database error: ${error.message}`, 1);
    // A bug, not an operator mistake: the stack helps whoever fixes it.
    io.stderr(
      `error: unexpected failure: ${(error as Error).message} (CARDRAIL_DEBUG=1 shows details)\n`,
    );
    if (process.env.CARDRAIL_DEBUG) io.stderr(`${(error as Error).stack}\n`);
    return 1;
  }
}
