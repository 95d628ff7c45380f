import type { PageRequest } from "../../core/page.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { HolderStatus, Mode } from "../../db/schema.ts";

/**
 * The cardholder tables' queries for profiles and lists (half of their repository, with repo.ts).
 * A profile is the cardholder and its end user, never the identity number; documents are metadata.
 */

type Scope = { tenantId: string; mode: Mode };

function profiles(db: DbOrTx, scope: Scope) {
  return db
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
    .where("h.tenant_id", "=", scope.tenantId)
    .where("h.mode", "=", scope.mode);
}

export type ProfileRow = Awaited<ReturnType<ReturnType<typeof profiles>["execute"]>>[number];

export async function profileById(db: DbOrTx, scope: Scope, holderId: string) {
  return profiles(db, scope).where("h.id", "=", holderId).executeTakeFirst();
}

/** Newest first, `limit + 1` rows (cardholders_list; an email matched exactly, case aside). */
export async function listProfileRows(
  db: DbOrTx,
  scope: Scope,
  filter: { status?: HolderStatus; email?: string },
  page: PageRequest,
): Promise<ProfileRow[]> {
  let query = profiles(db, scope);
  const { email } = filter;
  if (filter.status) query = query.where("h.status", "=", filter.status);
  if (email) query = query.where((eb) => eb(eb.fn("lower", ["u.email"]), "=", email));
  if (page.before) query = query.where("h.id", "<", page.before);
  if (page.createdFrom) query = query.where("h.created_at", ">=", page.createdFrom);
  if (page.createdTo) query = query.where("h.created_at", "<", page.createdTo);
  return query
    .orderBy("h.id", "desc")
    .limit(page.limit + 1)
    .execute();
}

/** The documents' metadata of these cardholders, oldest first. */
export async function documentsOf(db: DbOrTx, holderIds: string[]) {
  if (holderIds.length === 0) return [];
  return db
    .selectFrom("kyc_documents")
    .select(["id", "cardholder_id", "kind", "mime", "size_bytes", "created_at", "deleted_at"])
    .where("cardholder_id", "in", holderIds)
    .orderBy("id")
    .execute();
}
