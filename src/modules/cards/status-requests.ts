import { sql } from "kysely";
import type { DbOrTx } from "../../db/pool.ts";
import type { PendingCardStatus } from "../../db/schema.ts";
import type { CardRow } from "./row.ts";

// TEMPORARY home: these join src/modules/cards/repo.ts (the cards table's repository).

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
