import type { Command } from "commander";
import { CardrailError, type FieldIssue } from "../core/errors.ts";
import { decimalToMinor, minorToDecimalString } from "../core/money.ts";

/**
 * Output for operator commands. With `--json`, stdout carries exactly one JSON document and nothing
 * else (scripts pipe it to jq); otherwise short aligned text for a human. Errors always go to stderr
 * as one line, so stdout stays parseable even when a command fails.
 */

/** An expected failure (bad input, unknown id): one line on stderr, exit 1, no stack trace. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Where a command's output goes and where it runs from. The CLI process uses its own stdout,
 * stderr and cwd (processIo); when the service runs a command for a CLI on its operator channel,
 * these stream back to that CLI and the cwd is the CLI's, so relative paths mean what the
 * operator meant.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The caller's working directory: relative paths (e.g. --csv) resolve against it. */
  readonly cwd: string;
  /** Progress lines are drawn only when a human watches stderr. */
  readonly stderrIsTTY: boolean;
  /** A result reported through the exit code (reconcile: 3 when it finds problems). */
  exitCode: number;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    // `npm run cli` runs in the project's root; INIT_CWD is where the user typed the command,
    // which is what a relative path (--csv people.csv) means to them.
    cwd: process.env.INIT_CWD ?? process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
    exitCode: 0,
  };
}

export interface JsonOption {
  json?: boolean;
}

/** Every leaf command takes `--json`. */
export function withJson(command: Command): Command {
  return command.option("--json", "print machine-readable JSON on stdout");
}

/** bigint (money in minor units) has no JSON form: written as a decimal string, never a lossy number. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer, 2);
}

export function emit(io: CliIo, options: JsonOption, value: unknown, human: () => string): void {
  io.stdout(`${options.json ? toJson(value) : human()}\n`);
}

/** Left-aligned columns, two spaces apart; `-` for empty cells. */
export function table(headers: string[], rows: (string | null | undefined)[][]): string {
  const cells = [
    headers,
    ...rows.map((row) =>
      row.map((cell) => (cell === null || cell === undefined || cell === "" ? "-" : cell)),
    ),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : (cell ?? "").padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `key  value` lines with the keys aligned. */
export function lines(pairs: [string, string | null | undefined][]): string {
  const width = Math.max(...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `  ${key.padEnd(width)}  ${value ?? "-"}`).join("\n");
}

/**
 * An API amount (a JSON number in major units) as text with the currency's digits: 12.5 USD →
 * "12.50", -3 → "-3.00". Exact: it goes through the decimal text, never float arithmetic.
 */
export function majorText(amount: number, currency: string): string {
  const minor = decimalToMinor(Math.abs(amount), currency);
  if (minor === null) return String(amount);
  return minorToDecimalString(amount < 0 ? -minor : minor, currency);
}

export const isoOrNull = (date: Date | null | undefined): string | null =>
  date ? date.toISOString() : null;

/** camelCase core field names to the CLI's option names: issuerProductId → --issuer-product-id. */
const optionName = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The one-line message for an expected error, or null when the error is not an expected one. */
export function describeExpected(error: unknown): string | null {
  if (error instanceof CliError) return error.message;
  if (error instanceof CardrailError) {
    const issues = Array.isArray(error.details) ? (error.details as FieldIssue[]) : [];
    if (issues.length > 0 && issues.every((i) => typeof i.field === "string")) {
      const detail = issues.map((i) => `${optionName(i.field)}: ${i.message}`).join("; ");
      return error.code === "validation_error" && !error.message.startsWith("Invalid request")
        ? `${error.message} (${detail})`
        : `invalid input: ${detail}`;
    }
    return error.message;
  }
  return null;
}
