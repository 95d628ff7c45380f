import type { TenantContext } from "../../core/context.ts";
import { notFound } from "../../core/errors.ts";
import { type Page, type PageRequest, pageOf } from "../../core/page.ts";
import type { HolderStatus } from "../../db/schema.ts";
import type { CardholderListItem } from "./schemas.ts";

/** The columns a profile shows: the cardholder and its end user, never the identity number. */
function profiles(ctx: TenantContext) {
  return ctx.db
    .selectFrom("cardholders as h")
    .innerJoin("end_users as u", "u.id", "h.user_id")
    .select([
      "h.id",
      "h.user_id",
      "h.status",
      "h.missing_fields",
      "h.created_at",
      "u.email",
      "u.first_name",
      "u.last_name",
      "u.country",
    ])
    .where("h.tenant_id", "=", ctx.tenantId)
    .where("h.mode", "=", ctx.mode);
}

type ProfileRow = Awaited<ReturnType<ReturnType<typeof profiles>["execute"]>>[number];

/** One cardholder's profile: 404 for another tenant's or mode's, as for every id. */
export async function getCardholder(
  ctx: TenantContext,
  input: { holderId: string },
): Promise<CardholderListItem> {
  const row = await profiles(ctx).where("h.id", "=", input.holderId).executeTakeFirst();
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
  let query = profiles(ctx);
  if (input.status) query = query.where("h.status", "=", input.status);
  if (input.email)
    query = query.where((eb) => eb(eb.fn("lower", ["u.email"]), "=", input.email as string));
  if (page.before) query = query.where("h.id", "<", page.before);
  if (page.createdFrom) query = query.where("h.created_at", ">=", page.createdFrom);
  if (page.createdTo) query = query.where("h.created_at", "<", page.createdTo);
  const rows = await query
    .orderBy("h.id", "desc")
    .limit(page.limit + 1)
    .execute();
  const result = pageOf(rows, page.limit);
  return { items: await present(ctx, result.items), hasMore: result.hasMore };
}

/** Profiles with their documents' metadata, read for the whole page at once. */
async function present(ctx: TenantContext, rows: ProfileRow[]): Promise<CardholderListItem[]> {
  const documents =
    rows.length === 0
      ? []
      : await ctx.db
          .selectFrom("kyc_documents")
          .select(["id", "cardholder_id", "kind", "mime", "size_bytes", "created_at", "deleted_at"])
          .where(
            "cardholder_id",
            "in",
            rows.map((r) => r.id),
          )
          .orderBy("id")
          .execute();
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
