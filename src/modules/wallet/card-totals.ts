import { sql } from "kysely";
import type { DbOrTx } from "../../db/pool.ts";

/** What the ledger says each card holds: loaded (issuance and top-ups), withdrawn, returned. */
export interface CardLedgerTotals {
  loaded: bigint;
  withdrawn: bigint;
  returned: bigint;
}

const totalsQuery = (db: DbOrTx) =>
  db
    .selectFrom("ledger_transactions")
    .select([
      "card_id",
      sql<string>`coalesce(sum(amount) FILTER (WHERE kind IN ('card_loaded', 'top_up_loaded')), 0)`.as(
        "loaded",
      ),
      sql<string>`coalesce(sum(amount) FILTER (WHERE kind = 'card_withdrawal'), 0)`.as("withdrawn"),
      sql<string>`coalesce(sum(amount) FILTER (WHERE kind = 'card_return'), 0)`.as("returned"),
    ])
    .groupBy("card_id");

const toTotals = (r: {
  loaded: string;
  withdrawn: string;
  returned: string;
}): CardLedgerTotals => ({
  loaded: BigInt(r.loaded),
  withdrawn: BigInt(r.withdrawn),
  returned: BigInt(r.returned),
});

/** One card's (in the caller's transaction, e.g. under the card's lock). */
export async function cardLedgerTotalsOf(db: DbOrTx, cardId: string): Promise<CardLedgerTotals> {
  const row = await totalsQuery(db).where("card_id", "=", cardId).executeTakeFirst();
  return row ? toTotals(row) : { loaded: 0n, withdrawn: 0n, returned: 0n };
}

/** Per card with any confirmed movement (minor units); one grouped pass over the ledger. */
export async function cardLedgerTotals(db: DbOrTx): Promise<Map<string, CardLedgerTotals>> {
  const rows = await totalsQuery(db).where("card_id", "is not", null).execute();
  return new Map(rows.map((r) => [r.card_id as string, toTotals(r)]));
}
