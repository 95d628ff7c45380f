import type { Insertable, Selectable } from "kysely";
import { sql } from "kysely";
import type { PageRequest } from "../../core/page.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { CardTransactionStatus, CardTransactionsTable, Mode } from "../../db/schema.ts";

/** The card_transactions table: the only file that queries it. */

export type TransactionRow = Selectable<CardTransactionsTable>;
export type NewTransactionRow = Insertable<CardTransactionsTable>;

export interface TransactionScope {
  db: DbOrTx;
  tenantId: string;
  mode: Mode;
}

export interface TransactionFilter {
  cardId?: string;
  status?: CardTransactionStatus;
}

/** How far along each status is: a transaction's status never moves back. */
const STATUS_ORDER: Record<CardTransactionStatus, number> = {
  pending: 0,
  approved: 1,
  declined: 1,
  reversed: 2,
  settled: 2,
};

/**
 * Inserts the issuer's transaction, or updates the one already recorded under its issuer id (a
 * webhook and the backfill may both bring it; the issuer may revise a status). Returns the row
 * and whether it is new or changed, so an event is emitted only for news.
 */
export async function upsertTransaction(
  db: DbOrTx,
  row: NewTransactionRow,
): Promise<{ row: TransactionRow; created: boolean; changed: boolean }> {
  const before = await db
    .selectFrom("card_transactions")
    .selectAll()
    .where("mode", "=", row.mode)
    .where("issuer_transaction_id", "=", row.issuer_transaction_id)
    .executeTakeFirst();
  if (!before) {
    const inserted = await db
      .insertInto("card_transactions")
      .values(row)
      .onConflict((oc) => oc.columns(["mode", "issuer_transaction_id"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    // A concurrent delivery inserted it first: it is recorded, and that one told the tenant.
    if (!inserted) return { ...(await upsertTransaction(db, row)), created: false };
    return { row: inserted, created: true, changed: true };
  }
  // Statuses only move forward: the issuer's list keeps calling an authorization APPROVED after a
  // later transaction settled or reversed it, and that older word must not undo ours.
  const advances = STATUS_ORDER[row.status] > STATUS_ORDER[before.status];
  const posted = before.posted_at === null && !!row.posted_at;
  if (!advances && !posted) return { row: before, created: false, changed: false };
  const updated = await db
    .updateTable("card_transactions")
    .set({
      status: advances ? row.status : before.status,
      decline_reason: row.decline_reason ?? before.decline_reason,
      posted_at: row.posted_at ?? before.posted_at,
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", before.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row: updated, created: false, changed: true };
}

/**
 * Marks an authorization reversed or settled when a later transaction says so. Only forward: an
 * approved or pending authorization may become reversed or settled, a settled one stays settled.
 */
export async function markOriginal(
  db: DbOrTx,
  mode: Mode,
  issuerTransactionId: string,
  status: "reversed" | "settled",
): Promise<TransactionRow | undefined> {
  return db
    .updateTable("card_transactions")
    .set({ status, updated_at: sql<Date>`now()` })
    .where("mode", "=", mode)
    .where("issuer_transaction_id", "=", issuerTransactionId)
    .where("status", "in", ["pending", "approved"])
    .returningAll()
    .executeTakeFirst();
}

export async function findTransaction(
  scope: TransactionScope,
  id: string,
): Promise<TransactionRow | undefined> {
  return scope.db
    .selectFrom("card_transactions")
    .selectAll()
    .where("tenant_id", "=", scope.tenantId)
    .where("mode", "=", scope.mode)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Newest first, `limit + 1` rows (see core/page.ts), served by card_transactions_list / _card. */
export async function listTransactionRows(
  scope: TransactionScope,
  filter: TransactionFilter,
  page: PageRequest,
): Promise<TransactionRow[]> {
  let query = scope.db
    .selectFrom("card_transactions")
    .selectAll()
    .where("tenant_id", "=", scope.tenantId)
    .where("mode", "=", scope.mode);
  if (filter.cardId) query = query.where("card_id", "=", filter.cardId);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (page.before) query = query.where("id", "<", page.before);
  if (page.createdFrom) query = query.where("created_at", ">=", page.createdFrom);
  if (page.createdTo) query = query.where("created_at", "<", page.createdTo);
  return query
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
}

/**
 * What each card has spent, in its billing currency (minor units), from its transactions:
 * authorizations that stood (approved, pending or settled; a settlement or reversal row only
 * changes its authorization's status, so it is not counted again) and fees, less refunds.
 */
export async function spentByCard(db: DbOrTx): Promise<Map<string, bigint>> {
  const rows = await db
    .selectFrom("card_transactions")
    .select([
      "card_id",
      sql<string>`coalesce(sum(CASE
        WHEN type IN ('authorization', 'fee') AND status IN ('approved', 'pending', 'settled') THEN billing_amount
        WHEN type = 'refund' AND status IN ('approved', 'settled') THEN -billing_amount
        ELSE 0 END), 0)`.as("spent"),
    ])
    .groupBy("card_id")
    .execute();
  return new Map(rows.map((r) => [r.card_id, BigInt(r.spent)]));
}
