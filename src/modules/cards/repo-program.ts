import { sql } from "kysely";
import type { PageRequest } from "../../core/page.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { CardStatus, Mode, PendingCardStatus, StoredControls } from "../../db/schema.ts";
import type { CardRow } from "./row.ts";

/**
 * The cards table's queries for running a card program: status requests, the issuer's balances,
 * spend controls, returns of cancelled cards, and the list. Half of the table's repository (with
 * repo.ts, which keeps issuance's); no other file queries the table.
 */

/**
 * Records a status request: the card shows `pending_status`, and the request gets the next
 * version (its own upstream key). Conditional on the version read, so of two concurrent requests
 * one records and the other decides again on what it recorded. Undefined when it lost that race.
 */
export async function requestStatus(db: DbOrTx, card: CardRow, target: PendingCardStatus) {
  return db
    .updateTable("cards")
    .set({
      pending_status: target,
      status_version: card.status_version + 1,
      status_requested_at: sql<Date>`now()`,
      status_order_id: null,
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", card.id)
    .where("status_version", "=", card.status_version)
    .returningAll()
    .executeTakeFirst();
}

/** The issuer accepted request `version` as this order; its outcome comes by webhook or the sweep. */
export async function noteStatusOrder(
  db: DbOrTx,
  cardId: string,
  version: number,
  orderId: string,
) {
  return db
    .updateTable("cards")
    .set({ status_order_id: orderId })
    .where("id", "=", cardId)
    .where("status_version", "=", version)
    .where("pending_status", "is not", null)
    .returningAll()
    .executeTakeFirst();
}

/** Request `version` failed at the issuer: the card shows no pending status (unless a newer request). */
export async function abandonStatusRequest(db: DbOrTx, cardId: string, version: number) {
  await db
    .updateTable("cards")
    .set({ pending_status: null, status_order_id: null })
    .where("id", "=", cardId)
    .where("status_version", "=", version)
    .execute();
  return db.selectFrom("cards").selectAll().where("id", "=", cardId).executeTakeFirstOrThrow();
}

/** The failed status order `orderId`: abandons the request it belonged to, if it is still the card's. */
export async function abandonStatusOrder(db: DbOrTx, cardId: string, orderId: string) {
  await db
    .updateTable("cards")
    .set({ pending_status: null, status_order_id: null })
    .where("id", "=", cardId)
    .where("status_order_id", "=", orderId)
    .execute();
}

/** Status requests the issuer has not confirmed for `olderThanMs`: the sweep asks again. */
export async function unconfirmedStatusRequests(db: DbOrTx, olderThanMs: number, limit: number) {
  return db
    .selectFrom("cards")
    .selectAll()
    .where("pending_status", "is not", null)
    .where(
      "status_requested_at",
      "<",
      sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`,
    )
    .orderBy("status_requested_at")
    .limit(limit)
    .execute();
}

/** Cancelled cards whose balance has not come back yet, oldest first; bumped so the sweep rotates. */
export async function cancelledAwaitingReturn(db: DbOrTx, olderThanMs: number, limit: number) {
  return db
    .updateTable("cards")
    .set({ updated_at: sql<Date>`now()` })
    .where(
      "id",
      "in",
      db
        .selectFrom("cards")
        .select("id")
        .where("status", "=", "cancelled")
        .where("balance_returned_at", "is", null)
        .where("updated_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
        .orderBy("updated_at")
        .limit(limit),
    )
    .returningAll()
    .execute();
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

/** Records the spend controls the issuer accepted. */
export async function setCardControls(
  db: DbOrTx,
  cardId: string,
  controls: StoredControls,
  at: Date,
) {
  return db
    .updateTable("cards")
    .set({ controls: JSON.stringify(controls), updated_at: at })
    .where("id", "=", cardId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A cancelled card's balance is back in the wallet: it leaves the return sweep. */
export async function markBalanceReturned(db: DbOrTx, cardId: string, at: Date) {
  await db
    .updateTable("cards")
    .set({ balance_returned_at: at, available_balance: 0n, issuer_status: "CANCELLED" })
    .where("id", "=", cardId)
    .execute();
}

/** A tenant's cards in a mode, newest first, `limit + 1` rows (cards_list / cards_by_holder). */
export async function listCardRows(
  db: DbOrTx,
  scope: { tenantId: string; mode: Mode },
  filter: { status?: CardStatus; holderId?: string },
  page: PageRequest,
) {
  let query = db
    .selectFrom("cards")
    .selectAll()
    .where("tenant_id", "=", scope.tenantId)
    .where("mode", "=", scope.mode);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.holderId) query = query.where("cardholder_id", "=", filter.holderId);
  if (page.before) query = query.where("id", "<", page.before);
  if (page.createdFrom) query = query.where("created_at", ">=", page.createdFrom);
  if (page.createdTo) query = query.where("created_at", "<", page.createdTo);
  return query
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
}
