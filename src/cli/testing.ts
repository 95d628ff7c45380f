import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Runs the CLI as a real child process, the way an operator does. Asynchronous on purpose: when the
 * test process hosts the service, its event loop must keep serving the database socket the CLI
 * attaches to. The cwd is a scratch folder so a developer's .env cannot leak into the test.
 */

const main = fileURLToPath(new URL("./main.ts", import.meta.url));
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
