/**
 * Money is integer minor units (bigint) plus an ISO 4217 currency, everywhere inside Cardrail.
 * Decimal strings/numbers exist only at the edges (our JSON, the issuer's JSON), converted here.
 */

const exponentCache = new Map<string, number>();

/** Every ISO 4217 code this runtime's ICU knows (Node 20 ships full ICU). */
const knownCurrencies = new Set(Intl.supportedValuesOf("currency"));

export function isKnownCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && knownCurrencies.has(code);
}

/** Minor digits of a currency (USD 2, JPY 0, BHD 3), taken from ICU rather than a hand-kept table. */
export function currencyExponent(currency: string): number {
  const cached = exponentCache.get(currency);
  if (cached !== undefined) return cached;
  if (!isKnownCurrency(currency)) throw new RangeError(`unknown currency ${currency}`);
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits;
  const exponent = digits ?? 2;
  exponentCache.set(currency, exponent);
  return exponent;
}

/**
 * Parses a decimal amount in major units ("20", "20.5", 20.05) into minor units.
 * Returns null when the value is not a finite, non-negative decimal with at most the currency's
 * minor digits. It works on the decimal text, never on float arithmetic, so 0.1 + 0.2 style
 * errors cannot leak into money.
 */
export function decimalToMinor(value: number | string, currency: string): bigint | null {
  const exponent = currencyExponent(currency);
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    // Shortest round-trip representation; exponent notation (1e21, 1e-7) is refused below.
    text = String(value);
  } else {
    text = value.trim();
  }
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > exponent) {
    // "20.10" is fine for USD; "20.001" is not, unless the extra digits are zeros.
    if (/[^0]/.test(fraction.slice(exponent))) return null;
  }
  const padded = (fraction + "0".repeat(exponent)).slice(0, exponent);
  return BigInt(whole) * 10n ** BigInt(exponent) + (padded ? BigInt(padded) : 0n);
}

/** Minor units to a decimal string with exactly the currency's digits: 2005n USD → "20.05". */
export function minorToDecimalString(minor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const base = 10n ** BigInt(exponent);
  const whole = abs / base;
  const fraction = abs % base;
  const text =
    exponent === 0 ? `${whole}` : `${whole}.${fraction.toString().padStart(exponent, "0")}`;
  return negative ? `-${text}` : text;
}

/**
 * Minor units to a JSON number in major units (the contract's wire format: `"loadAmount": 20`).
 * Exact for every amount below 2^53 minor units, which the ledger's limits keep us under.
 */
export function minorToNumber(minor: bigint, currency: string): number {
  return Number(minorToDecimalString(minor, currency));
}
