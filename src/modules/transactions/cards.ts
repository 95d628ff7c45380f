import type { DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";

// TEMPORARY: moves into src/modules/cards/repo.ts once that exists.

export async function cardByIssuerId(db: DbOrTx, mode: Mode, issuerCardId: string) {
  return db
    .selectFrom("cards")
    .select(["id", "tenant_id", "currency"])
    .where("mode", "=", mode)
    .where("issuer_card_id", "=", issuerCardId)
    .executeTakeFirst();
}

/** The issuer's word on a card's balance, kept unless a newer one is already known. */
export async function noteCardBalance(
  db: DbOrTx,
  cardId: string,
  availableMinor: bigint,
  at: Date,
) {
  await db
    .updateTable("cards")
    .set({ available_balance: availableMinor, balance_synced_at: at })
    .where("id", "=", cardId)
    .where((eb) => eb.or([eb("balance_synced_at", "is", null), eb("balance_synced_at", "<=", at)]))
    .execute();
}

export async function cardRowById(db: DbOrTx, cardId: string) {
  return db.selectFrom("cards").selectAll().where("id", "=", cardId).executeTakeFirstOrThrow();
}

export async function cardRowByIssuerId(db: DbOrTx, mode: Mode, issuerCardId: string) {
  return db
    .selectFrom("cards")
    .selectAll()
    .where("mode", "=", mode)
    .where("issuer_card_id", "=", issuerCardId)
    .executeTakeFirst();
}
