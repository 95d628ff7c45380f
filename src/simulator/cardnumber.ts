import type { Rng } from "./rng.ts";

/** Luhn check digit for a digit string that does not yet include it. */
export function luhnCheckDigit(partial: string): string {
  let sum = 0;
  // Walking from the right, the first digit of `partial` sits next to the check digit → doubled.
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(pan: string): boolean {
  if (!/^\d{2,19}$/.test(pan)) return false;
  return luhnCheckDigit(pan.slice(0, -1)) === pan.slice(-1);
}

/** 16-digit PAN: the product BIN, random digits, Luhn check digit. */
export function generatePan(bin: string, rng: Rng): string {
  const body = bin + rng.digits(15 - bin.length);
  return body + luhnCheckDigit(body);
}

export function generateCvv(rng: Rng): string {
  return rng.digits(3);
}

/** MM/YY three years after `nowMs` (the [N] mock shows "12/26", so MM/YY; UNCONFIRMED). */
export function expiryFrom(nowMs: number): string {
  const d = new Date(nowMs);
  const mm = String(d.getUTCMonth() + 1).padStart(2, "0");
  const yy = String((d.getUTCFullYear() + 3) % 100).padStart(2, "0");
  return `${mm}/${yy}`;
}

export const maskPan = (pan: string): string => `${"*".repeat(pan.length - 4)}${pan.slice(-4)}`;
/** Webhook samples mask the middle instead: "40963608****8664". */
export const maskPanWebhook = (pan: string): string => `${pan.slice(0, 8)}****${pan.slice(-4)}`;
