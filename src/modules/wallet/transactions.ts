import { sql } from "kysely";
import { minorToNumber } from "../../core/money.ts";
import { type Page, type PageRequest, pageOf } from "../../core/page.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";

import type { WalletTransactionView as WalletTransaction } from "./schemas.ts";
import { WALLET_TYPES } from "./transaction-types.ts";

interface Row {
  id: string;
  kind: keyof typeof WALLET_TYPES;
  currency: string;
  card_id: string | null;
  reference: string;
  created_at: Date;
  amount: bigint;
  balance_after: bigint | null;
}

/**
 * The wallet's ledger in one mode, newest first: every posting on a wallet account, with the
 * balance it left (recorded by the posting trigger, so no page sums history). One index range scan
 * per currency (ledger_postings_account_list), merged: a page costs the same at any ledger size.
 */
export async function listWalletTransactions(
  scope: { db: DbOrTx; tenantId: string; mode: Mode },
  filter: { currency?: string },
  page: PageRequest,
): Promise<Page<WalletTransaction>> {
  let accounts = scope.db
    .selectFrom("ledger_accounts")
    .select("id")
    .where("tenant_id", "=", scope.tenantId)
    .where("mode", "=", scope.mode)
    .where("kind", "=", "wallet");
  if (filter.currency) accounts = accounts.where("currency", "=", filter.currency);
  const wallets = await accounts.execute();
  if (wallets.length === 0) return { items: [], hasMore: false };

  const perWallet = wallets.map(
    (wallet) => sql`(
      SELECT t.id, t.kind, t.currency, t.card_id, t.reference, t.created_at, p.amount, p.balance_after
      FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
      WHERE p.account_id = ${wallet.id}
        ${page.before ? sql`AND p.transaction_id < ${page.before}` : sql``}
        ${page.createdFrom ? sql`AND t.created_at >= ${page.createdFrom}` : sql``}
        ${page.createdTo ? sql`AND t.created_at < ${page.createdTo}` : sql``}
      ORDER BY p.transaction_id DESC
      LIMIT ${page.limit + 1})`,
  );
  const { rows } = await sql<Row>`
    SELECT * FROM (${sql.join(perWallet, sql` UNION ALL `)}) merged
    ORDER BY id DESC LIMIT ${page.limit + 1}`.execute(scope.db);
  return pageOf(rows.map(present), page.limit);
}

function present(row: Row): WalletTransaction {
  // Every posting has it: set by the posting trigger, backfilled by migration 0010.
  if (row.balance_after === null) throw new Error(`posting ${row.id} has no balance_after`);
  return {
    id: row.id,
    type: WALLET_TYPES[row.kind],
    amount: minorToNumber(row.amount, row.currency),
    currency: row.currency,
    balanceAfter:
      row.balance_after === null ? Number.NaN : minorToNumber(row.balance_after, row.currency),
    cardId: row.card_id,
    reference: row.reference,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
