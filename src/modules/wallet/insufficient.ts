import { CardrailError } from "../../core/errors.ts";
import { minorToDecimalString, minorToNumber } from "../../core/money.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";
import { walletBalances } from "./ledger.ts";

/**
 * The 402 a refused debit answers, saying what was there and what was needed. The debit itself
 * is refused by the database (a CHECK keeps wallets ≥ 0, whatever the code does); this reads the
 * balance afterwards, outside the failed transaction, so the figure is the balance at that moment.
 */
export async function insufficientBalance(
  db: DbOrTx,
  book: { tenantId: string; mode: Mode; currency: string },
  requiredMinor: bigint,
): Promise<CardrailError> {
  const wallet = (await walletBalances(db, book.tenantId, book.mode)).find(
    (w) => w.currency === book.currency,
  );
  const available = wallet?.balance ?? 0n;
  const { currency } = book;
  return new CardrailError(
    "insufficient_balance",
    `Insufficient wallet balance: ${currency} ${minorToDecimalString(available, currency)} available, ${minorToDecimalString(requiredMinor, currency)} needed`,
    {
      available: minorToNumber(available, currency),
      required: minorToNumber(requiredMinor, currency),
      currency,
    },
  );
}
