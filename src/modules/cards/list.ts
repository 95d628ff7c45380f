import type { TenantContext } from "../../core/context.ts";
import { type Page, type PageRequest, pageOf } from "../../core/page.ts";
import type { CardStatus } from "../../db/schema.ts";
import { presentCardItem } from "./present.ts";
import { listCardRows } from "./repo-program.ts";
import type { CardListItem } from "./schemas.ts";

/** A tenant's cards in the key's mode, newest first (served by the cards_list / cards_by_holder indexes). */
export async function listCards(
  ctx: TenantContext,
  input: { status?: CardStatus; holderId?: string; page: PageRequest },
): Promise<Page<CardListItem>> {
  const { page } = input;
  const rows = await listCardRows(ctx.db, ctx, input, page);
  const result = pageOf(rows, page.limit);
  return { items: result.items.map(presentCardItem), hasMore: result.hasMore };
}
