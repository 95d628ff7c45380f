/** Amounts are held as integer cents; the wire gets numbers or strings as UQPay sends them. */
export const toCents = (amount: number): number => Math.round(amount * 100);
export const fromCents = (cents: number): number => cents / 100;
/** "51.00" style (card consumed_amount). */
export const centsStr = (cents: number): string => (cents / 100).toFixed(2);
/** Webhook style: "1000", "988.5" — no forced decimals. */
export const centsLoose = (cents: number): string => String(cents / 100);

export function hasAtMostTwoDecimals(n: number): boolean {
  return Math.abs(Math.round(n * 100) - n * 100) < 1e-6;
}

/** Fixed FX for simulated foreign-currency authorizations (USD per unit). */
const USD_PER: Record<string, number> = { USD: 1, XUSD: 1, SGD: 0.74, HKD: 0.128, EUR: 1.08 };

export function convertCents(cents: number, from: string, to: string): number {
  if (from === to) return cents;
  const a = USD_PER[from] ?? 1;
  const b = USD_PER[to] ?? 1;
  return Math.round((cents * a) / b);
}
