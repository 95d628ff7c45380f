import { sql } from "kysely";
import { claimDue } from "../../db/claim.ts";
import type { Db, DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";

/** The transaction_sync table: how far each tenant's card transactions have been backfilled. */

/**
 * Starts the backfill for a tenant and mode the first time it has a card at the issuer (called when
 * a card is accepted). Idempotent; from then on the backfill job keeps it current.
 */
export async function startTransactionSync(db: DbOrTx, tenantId: string, mode: Mode, from: Date) {
  await db
    .insertInto("transaction_sync")
    .values({ tenant_id: tenantId, mode, synced_to: from, next_run_at: from })
    .onConflict((oc) => oc.columns(["tenant_id", "mode"]).doNothing())
    .execute();
}

/** Records that everything up to `syncedTo` is in, and when to look again. */
export async function finishSyncPass(
  db: DbOrTx,
  row: { tenantId: string; mode: Mode },
  outcome: { syncedTo: Date; error?: string },
  nextInMs: number,
) {
  await db
    .updateTable("transaction_sync")
    .set({
      ...(outcome.error ? {} : { synced_to: outcome.syncedTo }),
      last_error: outcome.error ?? null,
      next_run_at: sql<Date>`now() + make_interval(secs => ${nextInMs / 1000})`,
    })
    .where("tenant_id", "=", row.tenantId)
    .where("mode", "=", row.mode)
    .execute();
}

/**
 * Claims the tenants whose backfill is due (SKIP LOCKED: several processes share them) and pushes
 * their next run out before anyone reads their pages, so no two processes read the same tenant.
 */
export async function claimDueSyncs(db: Db, intervalMs: number, limit: number) {
  return claimDue(
    db,
    (tx) =>
      tx
        .selectFrom("transaction_sync")
        .select(sql<string>`tenant_id || ':' || mode`.as("id"))
        .where("next_run_at", "<=", sql<Date>`now()`)
        .orderBy("next_run_at")
        .limit(limit),
    (tx, ids) =>
      tx
        .updateTable("transaction_sync")
        .set({ next_run_at: sql<Date>`now() + make_interval(secs => ${intervalMs / 1000})` })
        .where(sql<string>`tenant_id || ':' || mode`, "in", ids)
        .returningAll()
        .execute(),
  );
}
