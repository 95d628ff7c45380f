import { type Insertable, type Selectable, sql, type UpdateObject } from "kysely";
import { claimDue } from "../../db/claim.ts";
import type { Db, DbOrTx, Tx } from "../../db/pool.ts";
import type {
  CardholdersTable,
  Database,
  EndUsersTable,
  KycDocumentsTable,
  Mode,
  SubmissionState,
} from "../../db/schema.ts";

/**
 * The cardholders, their end users and their KYC documents' rows: the only file that queries those
 * tables (test/architecture/repositories.test.ts). Every function takes the database or the
 * caller's transaction, so a verb decides what commits together.
 */

export type HolderRow = Selectable<CardholdersTable>;
type Scope = { tenantId: string; mode: Mode };

/** The cardholder of this tenant and mode whose end user has this email (case-insensitive). */
export async function holderIdByEmail(
  db: DbOrTx,
  scope: Scope,
  email: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("end_users")
    .innerJoin("cardholders", "cardholders.user_id", "end_users.id")
    .select(["cardholders.id as holderId"])
    .where("end_users.tenant_id", "=", scope.tenantId)
    .where("end_users.mode", "=", scope.mode)
    .where((eb) => eb(eb.fn("lower", ["end_users.email"]), "=", email.toLowerCase()))
    .executeTakeFirst();
  return row?.holderId;
}

export async function insertHolder(
  tx: Tx,
  user: Insertable<EndUsersTable>,
  holder: Insertable<CardholdersTable>,
): Promise<void> {
  await tx.insertInto("end_users").values(user).execute();
  await tx.insertInto("cardholders").values(holder).execute();
}

/** Removes a cardholder, its end user and its documents' rows (their blobs are the vault's). */
export async function deleteHolder(tx: Tx, holderId: string, userId: string): Promise<void> {
  await tx.deleteFrom("kyc_documents").where("cardholder_id", "=", holderId).execute();
  await tx.deleteFrom("cardholders").where("id", "=", holderId).execute();
  await tx.deleteFrom("end_users").where("id", "=", userId).execute();
}

export async function holderBySubmissionKey(db: DbOrTx, submissionKey: string) {
  return db
    .selectFrom("cardholders")
    .select(["id as holderId", "user_id as userId", "status as holderStatus"])
    .where("submission_key", "=", submissionKey)
    .executeTakeFirst();
}

export async function tenantHolder(
  db: DbOrTx,
  scope: Scope,
  holderId: string,
): Promise<HolderRow | undefined> {
  return db
    .selectFrom("cardholders")
    .selectAll()
    .where("id", "=", holderId)
    .where("tenant_id", "=", scope.tenantId)
    .where("mode", "=", scope.mode)
    .executeTakeFirst();
}

/** A cardholder known to exist (its id came from our own records). */
export async function holderById(db: DbOrTx, holderId: string): Promise<HolderRow> {
  return db
    .selectFrom("cardholders")
    .selectAll()
    .where("id", "=", holderId)
    .executeTakeFirstOrThrow();
}

export async function holderIdOfIssuer(db: DbOrTx, mode: Mode, issuerCardholderId: string) {
  const row = await db
    .selectFrom("cardholders")
    .select("id")
    .where("mode", "=", mode)
    .where("issuer_cardholder_id", "=", issuerCardholderId)
    .executeTakeFirst();
  return row?.id;
}

/** The cardholder, locked until the transaction ends: its status changes one at a time. */
export async function lockHolder(tx: Tx, holderId: string): Promise<HolderRow> {
  return tx
    .selectFrom("cardholders")
    .selectAll()
    .where("id", "=", holderId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function updateHolder(
  db: DbOrTx,
  holderId: string,
  changes: UpdateObject<Database, "cardholders">,
  only?: { submissionState: SubmissionState },
): Promise<void> {
  let query = db.updateTable("cardholders").set(changes).where("id", "=", holderId);
  if (only) query = query.where("submission_state", "=", only.submissionState);
  await query.execute();
}

/** What a stored cardholder was submitted with: the end user's details and the document's. */
export async function submissionRecord(db: DbOrTx, holderId: string) {
  return db
    .selectFrom("cardholders")
    .innerJoin("end_users", "end_users.id", "cardholders.user_id")
    .select([
      "end_users.email",
      "end_users.first_name",
      "end_users.last_name",
      "end_users.country",
      "end_users.mobile",
      "end_users.area_code",
      "end_users.town",
      "end_users.gender",
      "end_users.date_of_birth",
      "cardholders.kyc_doc_type",
      "cardholders.kyc_id_number",
      "cardholders.kyc_issue_date",
      "cardholders.kyc_expiry_date",
    ])
    .where("cardholders.id", "=", holderId)
    .executeTakeFirst();
}

/** For the KYC job: claims due pending submissions and pushes them out by `leaseSeconds` (SKIP LOCKED). */
export async function claimDueSubmissions(db: Db, batchSize: number, leaseSeconds: number) {
  return claimDue(
    db,
    (tx) =>
      tx
        .selectFrom("cardholders")
        .select("id")
        .where("submission_state", "=", "pending")
        .where("next_submission_at", "<=", sql<Date>`now()`)
        .orderBy("next_submission_at")
        .limit(batchSize),
    (tx, ids) =>
      tx
        .updateTable("cardholders")
        .set({ next_submission_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
        .where("id", "in", ids)
        .returning(["id", "tenant_id", "mode", "submission_key", "submission_attempts"])
        .execute(),
  );
}

/** For the KYC job: claims reviews not confirmed with the issuer for `staleAfterMs`, stamping them. */
export async function claimStaleReviews(db: Db, staleAfterMs: number, batchSize: number) {
  return claimDue(
    db,
    (tx) =>
      tx
        .selectFrom("cardholders")
        .select("id")
        .where("status", "=", "IN_REVIEW")
        .where("issuer_cardholder_id", "is not", null)
        .where((eb) =>
          eb.or([
            eb("last_synced_at", "is", null),
            eb(
              "last_synced_at",
              "<",
              sql<Date>`now() - make_interval(secs => ${staleAfterMs / 1000})`,
            ),
          ]),
        )
        .orderBy("last_synced_at")
        .limit(batchSize),
    (tx, ids) =>
      tx
        .updateTable("cardholders")
        .set({ last_synced_at: sql<Date>`now()` })
        .where("id", "in", ids)
        .returning(["id", "tenant_id", "mode", "issuer_cardholder_id"])
        .execute(),
  );
}

/** For /metrics: KYC submissions still waiting to reach the issuer. */
export async function pendingSubmissionCount(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom("cardholders")
    .select((eb) => eb.fn.countAll<string>().as("depth"))
    .where("submission_state", "=", "pending")
    .executeTakeFirstOrThrow();
  return Number(row.depth);
}

// KYC documents' rows (the encrypted blobs themselves are the vault's, modules/documents/).

export async function insertDocuments(
  db: DbOrTx,
  rows: Insertable<KycDocumentsTable>[],
): Promise<void> {
  if (rows.length > 0) await db.insertInto("kyc_documents").values(rows).execute();
}

/** A cardholder's documents not deleted, newest first. */
export async function liveDocuments(db: DbOrTx, holderId: string) {
  return db
    .selectFrom("kyc_documents")
    .selectAll()
    .where("cardholder_id", "=", holderId)
    .where("deleted_at", "is", null)
    .orderBy("created_at", "desc")
    .execute();
}

/** Marks document rows deleted (the rows stay as a record of what was held). */
export async function markDocumentsDeleted(db: DbOrTx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("kyc_documents")
    .set({ deleted_at: sql<Date>`now()` })
    .where("id", "in", [...ids])
    .execute();
}

/** Cardholders decided more than `retentionDays` ago that still have documents (at most 500). */
export async function holdersWithDocumentsPastRetention(db: DbOrTx, retentionDays: number) {
  const rows = await db
    .selectFrom("kyc_documents")
    .innerJoin("cardholders", "cardholders.id", "kyc_documents.cardholder_id")
    .select("cardholders.id")
    .distinct()
    .where("kyc_documents.deleted_at", "is", null)
    .where(
      "cardholders.decided_at",
      "<",
      sql<Date>`now() - make_interval(days => ${retentionDays})`,
    )
    .limit(500)
    .execute();
  return rows.map((r) => r.id);
}
