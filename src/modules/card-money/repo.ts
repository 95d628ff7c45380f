import { type Insertable, type Selectable, sql } from "kysely";
import type { PageRequest } from "../../core/page.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { CardMoneyOrdersTable, Mode, MoneyOrderStatus } from "../../db/schema.ts";

/** The card_money_orders table (top-ups and withdrawals): the only file that queries it. */

export type MoneyOrderRow = Selectable<CardMoneyOrdersTable>;

export async function insertOrder(db: DbOrTx, row: Insertable<CardMoneyOrdersTable>) {
  return db.insertInto("card_money_orders").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function orderById(db: DbOrTx, id: string): Promise<MoneyOrderRow | undefined> {
  return db.selectFrom("card_money_orders").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function orderByIssuerId(db: DbOrTx, mode: Mode, issuerOrderId: string) {
  return db
    .selectFrom("card_money_orders")
    .selectAll()
    .where("mode", "=", mode)
    .where("issuer_order_id", "=", issuerOrderId)
    .executeTakeFirst();
}

/** Notes the issuer's order id (the issuer accepted the order; its outcome may still come). */
export async function noteIssuerOrder(db: DbOrTx, id: string, issuerOrderId: string) {
  return db
    .updateTable("card_money_orders")
    .set({
      issuer_order_id: issuerOrderId,
      status: sql<MoneyOrderStatus>`CASE WHEN status = 'creating' THEN 'pending' ELSE status END`,
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Moves an open order to its final status; undefined when it was already final (someone else
 * settled it first: its money moved then, and must not move again).
 */
export async function finishOrder(
  db: DbOrTx,
  id: string,
  status: "succeeded" | "failed",
  failureReason: string | null,
): Promise<MoneyOrderRow | undefined> {
  return db
    .updateTable("card_money_orders")
    .set({ status, failure_reason: failureReason, updated_at: sql<Date>`now()` })
    .where("id", "=", id)
    .where("status", "in", ["creating", "pending"])
    .returningAll()
    .executeTakeFirst();
}

/** For the recovery sweep: open orders untouched for `olderThanMs`, claimed by bumping them. */
export function dueOrders(db: DbOrTx, olderThanMs: number, limit: number) {
  return db
    .selectFrom("card_money_orders")
    .select("id")
    .where("status", "in", ["creating", "pending"])
    .where("updated_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .orderBy("updated_at")
    .limit(limit);
}

export async function touchOrders(db: DbOrTx, ids: string[]) {
  return db
    .updateTable("card_money_orders")
    .set({ updated_at: sql<Date>`now()` })
    .where("id", "in", ids)
    .returningAll()
    .execute();
}

/** Whether the card has a top-up or withdrawal whose outcome is not known yet. */
export async function hasOpenOrders(db: DbOrTx, cardId: string): Promise<boolean> {
  const open = await db
    .selectFrom("card_money_orders")
    .select("id")
    .where("card_id", "=", cardId)
    .where("status", "in", ["creating", "pending"])
    .limit(1)
    .executeTakeFirst();
  return open !== undefined;
}

export async function listOrdersOfCard(db: DbOrTx, cardId: string, page: PageRequest) {
  let query = db.selectFrom("card_money_orders").selectAll().where("card_id", "=", cardId);
  if (page.before) query = query.where("id", "<", page.before);
  return query
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
}
