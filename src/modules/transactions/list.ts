import type { TenantContext } from "../../core/context.ts";
import { type Page, type PageRequest, pageOf } from "../../core/page.ts";
import type { CardTransactionStatus } from "../../db/schema.ts";
import { findCard } from "../cards/reveal.ts";
import { presentTransaction, type TransactionView } from "./present.ts";
import { listTransactionRows } from "./repo.ts";

/**
 * A tenant's card transactions, newest first, optionally of one card (our id or the issuer's: an
 * unknown or foreign card is a 404, not an empty list).
 */
export async function listTransactions(
  ctx: TenantContext,
  input: { cardId?: string; status?: CardTransactionStatus; page: PageRequest },
): Promise<Page<TransactionView>> {
  const cardId = input.cardId ? (await findCard(ctx, { cardId: input.cardId })).id : undefined;
  const rows = await listTransactionRows(ctx, { cardId, status: input.status }, input.page);
  const page = pageOf(rows, input.page.limit);
  return { items: page.items.map(presentTransaction), hasMore: page.hasMore };
}
