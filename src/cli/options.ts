import { decimalToMinor, isKnownCurrency } from "../core/money.ts";
import type { Mode } from "../db/schema.ts";
import { MAX_AMOUNT_MAJOR } from "../http/amount.ts";
import { idempotencyHeaders } from "../http/idempotency-header.ts";
import { CliError } from "./io.ts";

/** Option parsing shared by the command groups; each error names the option at fault. */

export interface ModeOption {
  live?: boolean;
}

export const modeOf = (options: ModeOption): Mode => (options.live ? "live" : "test");

export function parseCurrency(value: string, option = "--currency"): string {
  const code = value.trim().toUpperCase();
  if (!isKnownCurrency(code))
    throw new CliError(`${option} "${value}" is not an ISO 4217 currency code (e.g. USD)`);
  return code;
}

/** Keeps amounts far from int8 overflow and within exact JSON numbers (see money.ts minorToNumber). */
const MAX_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

/** A positive decimal amount in major units ("100.00") → minor units, refusing anything else. */
export function parseAmount(value: string, currency: string, option = "--amount"): bigint {
  const minor = decimalToMinor(value, currency);
  if (minor === null) {
    throw new CliError(
      `${option} "${value}" is not a valid ${currency} amount: use a positive decimal in major units with at most the currency's minor digits (e.g. 100.00)`,
    );
  }
  if (minor <= 0n) throw new CliError(`${option} must be greater than 0`);
  if (minor > MAX_MINOR) throw new CliError(`${option} "${value}" is too large`);
  return minor;
}

/**
 * An amount in major units for a verb that decides the currency itself (a card's): the API's
 * number, refused here when it is not a plain positive decimal, when it is over the API's
 * maximum, or when a number cannot hold it exactly. The verb then checks the currency's digits.
 */
export function parseMajorAmount(value: string, option = "--amount"): number {
  const text = value.trim();
  const amount = Number(text);
  // The decimal text a number would print: "010.50" and "10.5" are both 10.5.
  const canonical = text
    .replace(/^0+(?=\d)/, "")
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
  if (!/^\d+(\.\d+)?$/.test(text) || String(amount) !== canonical) {
    throw new CliError(
      `${option} "${value}" is not an amount: use a positive decimal in major units (e.g. 10.50)`,
    );
  }
  if (amount <= 0) throw new CliError(`${option} must be greater than 0`);
  if (amount > MAX_AMOUNT_MAJOR)
    throw new CliError(`${option} must be at most ${MAX_AMOUNT_MAJOR}`);
  return amount;
}

/** An idempotency reference, held to the API's Idempotency-Key rules. */
export function parseReference(value: string, option = "--reference"): string {
  const checked = idempotencyHeaders.shape["idempotency-key"].safeParse(value);
  if (!checked.success || !checked.data)
    throw new CliError(`${option} must be 1-255 printable ASCII characters, without spaces`);
  return checked.data;
}

export function parseList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Public API key ids only. A secret passed by mistake is refused without echoing it. */
export function parseApiKeyId(value: string, option = "--key"): string {
  const key = value.trim();
  if (key.startsWith("sk_")) {
    throw new CliError(
      `${option} takes the public API key (dk_test_… or dk_live_…), not the secret access key`,
    );
  }
  if (!/^dk_(test|live)_[A-Za-z0-9_-]{1,64}$/.test(key)) {
    throw new CliError(`${option} "${key}" is not an API key id (dk_test_… or dk_live_…)`);
  }
  return key;
}

export function requireNonEmpty(value: string, option: string): string {
  const trimmed = value.trim();
  if (trimmed === "") throw new CliError(`${option} must not be empty`);
  return trimmed;
}

/**
 * A live key or tenant is fine to create before the live issuer is configured, but its requests
 * that reach the issuer get 503 until then: say so (stderr, so --json output stays one document).
 */
export function warnWithoutLiveIssuer(
  io: { stderr(text: string): void },
  config: { UQPAY_CLIENT_ID?: string | undefined; UQPAY_API_KEY?: string | undefined },
  mode: Mode,
): void {
  if (mode !== "live" || (config.UQPAY_CLIENT_ID && config.UQPAY_API_KEY)) return;
  io.stderr(
    "warning: no live issuer is configured (UQPAY_CLIENT_ID / UQPAY_API_KEY): live requests that need the issuer get 503 until it is\n",
  );
}
