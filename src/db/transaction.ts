import type { DbOrTx, Tx } from "./pool.ts";

/**
 * Runs `body` in a transaction: a new one on the database, or the caller's when `db` already is
 * one. So a verb that needs atomicity joins its caller's transaction when handed
 * `{ ...ctx, db: tx }`, instead of failing (Kysely cannot open a transaction inside another).
 */
export function inTransaction<T>(db: DbOrTx, body: (tx: Tx) => Promise<T>): Promise<T> {
  return db.isTransaction ? body(db as Tx) : db.transaction().execute(body);
}
