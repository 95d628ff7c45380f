import type { TenantContext } from "../../core/context.ts";
import { notFound } from "../../core/errors.ts";
import { type Page, type PageRequest, pageOf } from "../../core/page.ts";
import type { HolderStatus } from "../../db/schema.ts";
import { documentsOf, listProfileRows, type ProfileRow, profileById } from "./repo-profiles.ts";
import type { CardholderListItem } from "./schemas.ts";

/** One cardholder's profile: 404 for another tenant's or mode's, as for every id. */
export async function getCardholder(
  ctx: TenantContext,
  input: { holderId: string },
): Promise<CardholderListItem> {
  const row = await profileById(ctx.db, ctx, input.holderId);
  if (!row) throw notFound("Cardholder");
  const [profile] = await present(ctx, [row]);
  return profile as CardholderListItem;
}

/** Cardholders, newest first (cardholders_list index; an email is matched exactly, case aside). */
export async function listCardholders(
  ctx: TenantContext,
  input: { status?: HolderStatus; email?: string; page: PageRequest },
): Promise<Page<CardholderListItem>> {
  const { page } = input;
  const rows = await listProfileRows(ctx.db, ctx, input, page);
  const result = pageOf(rows, page.limit);
  return { items: await present(ctx, result.items), hasMore: result.hasMore };
}

/** Profiles with their documents' metadata, read for the whole page at once. */
async function present(ctx: TenantContext, rows: ProfileRow[]): Promise<CardholderListItem[]> {
  const documents = await documentsOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({
    holderId: row.id,
    userId: row.user_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    country: row.country,
    status: row.status,
    canIssueCard: row.status === "ACTIVE",
    ...(row.status === "IN_REVIEW" && row.missing_fields?.length
      ? { missingFields: row.missing_fields }
      : {}),
    documents: documents
      .filter((d) => d.cardholder_id === row.id)
      .map((d) => ({
        id: d.id,
        kind: d.kind,
        mime: d.mime,
        sizeBytes: d.size_bytes,
        createdAt: new Date(d.created_at).toISOString(),
        deleted: d.deleted_at !== null,
      })),
    createdAt: new Date(row.created_at).toISOString(),
  }));
}
