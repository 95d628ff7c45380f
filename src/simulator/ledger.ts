/** Issuing balance movements; every change writes a balance transaction row. */
import type { SimContext } from "./context.ts";
import { accountError } from "./errors.ts";
import type { Balance } from "./state.ts";

export function ensureBalance(ctx: SimContext, currency: string): Balance {
  let b = ctx.state.balances.get(currency);
  if (!b) {
    const now = ctx.clock();
    b = {
      balance_id: ctx.rng.uuid(),
      currency,
      available: 0,
      margin: 0,
      frozen: 0,
      create_time: now,
      last_trade_time: now,
    };
    ctx.state.balances.set(currency, b);
  }
  return b;
}

export function seedBalances(ctx: SimContext): void {
  for (const [currency, amount] of Object.entries(ctx.settings.initialBalances)) {
    const b = ensureBalance(ctx, currency);
    if (amount > 0)
      move(ctx, currency, Math.round(amount * 100), "DEPOSIT", "Initial sandbox funding");
    void b;
  }
}

/** Add (positive) or take (negative) cents. Taking more than available is an account_error. */
export function move(
  ctx: SimContext,
  currency: string,
  cents: number,
  type: string,
  description: string,
): void {
  const b = ensureBalance(ctx, currency);
  if (b.available + cents < 0)
    throw accountError(
      "insufficient_balance",
      `insufficient ${currency} issuing balance: available ${(b.available / 100).toFixed(2)}, required ${(-cents / 100).toFixed(2)}`,
    );
  const now = ctx.clock();
  b.available += cents;
  b.last_trade_time = now;
  ctx.state.balanceTxs.push({
    transaction_id: ctx.rng.uuid(),
    short_transaction_id: shortId(ctx, now),
    balance_id: b.balance_id,
    transaction_type: type,
    currency,
    amount: cents,
    create_time: now,
    complete_time: now,
    transaction_status: "COMPLETED",
    ending_balance: b.available,
    description,
  });
}

/** "T260412-2AHV51KO5U68" style. */
export function shortId(ctx: SimContext, now: number): string {
  const d = new Date(now);
  const yymmdd = `${String(d.getUTCFullYear() % 100).padStart(2, "0")}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
  return `T${yymmdd}-${ctx.rng.alnum(12)}`;
}
