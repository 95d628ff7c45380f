import type { TenantContext } from "../../core/context.ts";
import { type Page, type PageRequest, pageOf } from "../../core/page.ts";
import type { CardStatus } from "../../db/schema.ts";
import { presentCardItem } from "./present.ts";
import type { CardListItem } from "./schemas.ts";

/** A tenant's cards in the key's mode, newest first (served by the cards_list / cards_by_holder indexes). */
export async function listCards(
  ctx: TenantContext,
  input: { status?: CardStatus; holderId?: string; page: PageRequest },
): Promise<Page<CardListItem>> {
  const { page } = input;
  let query = ctx.db
    .selectFrom("cards")
    .selectAll()
    .where("tenant_id", "=", ctx.tenantId)
    .where("mode", "=", ctx.mode);
  if (input.status) query = query.where("status", "=", input.status);
  if (input.holderId) query = query.where("cardholder_id", "=", input.holderId);
  if (page.before) query = query.where("id", "<", page.before);
  if (page.createdFrom) query = query.where("created_at", ">=", page.createdFrom);
  if (page.createdTo) query = query.where("created_at", "<", page.createdTo);
  const rows = await query
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
  const result = pageOf(rows, page.limit);
  return { items: result.items.map(presentCardItem), hasMore: result.hasMore };
}
