import { DatabaseError } from "pg";
import { type CoreSettings, requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError, notFound, validationError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import type { HolderStatus } from "../../db/schema.ts";
import { IssuerError, type KycFile } from "../../issuer/port.ts";
import type { CardholderFields } from "./fields.ts";
import { holderStatusFromIssuer, isFinalHolderStatus } from "./status.ts";

export interface NewCardholder {
  fields: CardholderFields;
  files: { docFront: KycFile; docBack?: KycFile; selfie?: KycFile };
}

export interface CreatedCardholder {
  userId: string;
  holderId: string;
  holderStatus: HolderStatus;
}

/**
 * Creates the end user and the cardholder, then submits KYC to the issuer.
 *
 * The rows are committed before the upstream call (no transaction is held across it). If the
 * issuer refuses or cannot be reached, the rows are removed again and the tenant gets a 4xx/503
 * naming the problem, so a corrected retry can reuse the email. The upstream idempotency key is
 * derived from the request's content: an identical retry after a lost response replays the
 * issuer's first answer instead of creating a second upstream cardholder.
 */
export async function createCardholder(
  ctx: TenantContext,
  input: NewCardholder,
): Promise<CreatedCardholder> {
  const { fields, files } = input;
  const issuer = requireIssuer(ctx);
  if (fields.kycDocType !== "passport" && !files.docBack) {
    // The issuer requires the back of ID cards; a driving licence is sent as one (see mapping.ts).
    throw validationError([
      { field: "docBack", message: `required when kycDocType is ${fields.kycDocType}` },
    ]);
  }
  await assertEmailFree(ctx, fields.email);

  const userId = newId("usr");
  const holderId = newId("ch");
  const submissionKey = deterministicUuid(
    "cardholder",
    ctx.tenantId,
    ctx.mode,
    JSON.stringify(fields),
    sha256Hex(files.docFront.bytes),
    files.docBack ? sha256Hex(files.docBack.bytes) : "",
    files.selfie ? sha256Hex(files.selfie.bytes) : "",
  );

  try {
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("end_users")
        .values({
          id: userId,
          tenant_id: ctx.tenantId,
          mode: ctx.mode,
          email: fields.email,
          first_name: fields.firstName,
          last_name: fields.lastName,
          country: fields.country,
          mobile: fields.mobile,
          area_code: fields.areaCode ?? null,
          town: fields.town ?? null,
          gender: fields.gender ?? null,
          date_of_birth: fields.kycDob ?? null,
        })
        .execute();
      await tx
        .insertInto("cardholders")
        .values({
          id: holderId,
          tenant_id: ctx.tenantId,
          mode: ctx.mode,
          user_id: userId,
          status: "IN_REVIEW",
          issuer_cardholder_id: null,
          issuer_status: null,
          missing_fields: null,
          kyc_doc_type: fields.kycDocType,
          kyc_id_number: fields.kycIdNumber,
          kyc_issue_date: fields.kycIssueDate ?? null,
          kyc_expiry_date: fields.kycExpiryDate ?? null,
          submission_key: submissionKey,
          last_synced_at: null,
        })
        .execute();
    });
  } catch (error) {
    if (error instanceof DatabaseError && error.code === "23505") {
      // Either a concurrent request took the email, or this exact request is already being submitted.
      await assertEmailFree(ctx, fields.email);
    }
    throw error;
  }

  try {
    const upstream = await issuer.submitCardholder(
      {
        email: fields.email,
        firstName: fields.firstName,
        lastName: fields.lastName,
        countryCode: fields.country,
        mobile: fields.mobile,
        areaCode: fields.areaCode,
        dateOfBirth: fields.kycDob,
        gender:
          fields.gender === "male" ? "MALE" : fields.gender === "female" ? "FEMALE" : undefined,
        town: fields.town,
        document: {
          type: fields.kycDocType,
          number: fields.kycIdNumber,
          issueDate: fields.kycIssueDate,
          expiryDate: fields.kycExpiryDate,
          front: files.docFront,
          back: files.docBack,
          selfie: files.selfie,
        },
      },
      { idempotencyKey: submissionKey },
    );
    const status = holderStatusFromIssuer(upstream.status);
    await ctx.db
      .updateTable("cardholders")
      .set({
        issuer_cardholder_id: upstream.issuerCardholderId,
        issuer_status: upstream.status,
        status,
        missing_fields: upstream.missingFields ?? null,
        last_synced_at: ctx.now(),
        updated_at: ctx.now(),
      })
      .where("id", "=", holderId)
      .execute();
    return { userId, holderId, holderStatus: status };
  } catch (error) {
    await discardUnsubmitted(ctx, holderId, userId);
    throw translateSubmissionError(ctx, error);
  }
}

async function assertEmailFree(ctx: TenantContext, email: string): Promise<void> {
  const existing = await ctx.db
    .selectFrom("end_users")
    .innerJoin("cardholders", "cardholders.user_id", "end_users.id")
    .select(["cardholders.id as holderId"])
    .where("end_users.tenant_id", "=", ctx.tenantId)
    .where("end_users.mode", "=", ctx.mode)
    .where((eb) => eb(eb.fn("lower", ["end_users.email"]), "=", email.toLowerCase()))
    .executeTakeFirst();
  if (existing) {
    throw new CardrailError("duplicate_cardholder", "A cardholder with this email already exists", [
      {
        field: "email",
        message: "already used by another cardholder of this tenant",
        holderId: existing.holderId,
      },
    ]);
  }
}

async function discardUnsubmitted(
  ctx: TenantContext,
  holderId: string,
  userId: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    await tx.deleteFrom("cardholders").where("id", "=", holderId).execute();
    await tx.deleteFrom("end_users").where("id", "=", userId).execute();
  });
}

function translateSubmissionError(ctx: TenantContext, error: unknown): unknown {
  if (!(error instanceof IssuerError)) return error;
  ctx.log.warn(
    { kind: error.kind, issuerCode: error.detail.issuerCode },
    "KYC submission failed upstream",
  );
  if (error.kind === "rejected") {
    const fields = error.detail.fields ?? [];
    if (fields.length > 0) {
      return validationError(
        fields.map((field) => ({ field, message: `refused by the card issuer: ${error.message}` })),
      );
    }
    return new CardrailError(
      "upstream_rejected",
      `The card issuer refused the cardholder: ${error.message}`,
    );
  }
  return new CardrailError(
    "upstream_unavailable",
    "The card issuer could not be reached; nothing was saved. Retry the same request.",
    { retryable: true },
    error.detail.retryAfterMs ? Math.ceil(error.detail.retryAfterMs / 1000) : undefined,
  );
}

export interface HolderStatusView {
  holderId: string;
  status: HolderStatus;
  canIssueCard: boolean;
  missingFields: string[] | null;
}

/**
 * The cardholder's status. While IN_REVIEW it is refreshed from the issuer, at most once per
 * `statusRefreshIntervalMs`; if the issuer cannot answer, the last known status is returned.
 */
export async function getHolderStatus(
  ctx: TenantContext,
  settings: Pick<CoreSettings, "statusRefreshIntervalMs">,
  holderId: string,
): Promise<HolderStatusView> {
  const holder = await findHolder(ctx, holderId);
  let { status, missing_fields: missingFields } = holder;
  const stale =
    !holder.last_synced_at ||
    ctx.now().getTime() - new Date(holder.last_synced_at).getTime() >=
      settings.statusRefreshIntervalMs;
  if (!isFinalHolderStatus(status) && holder.issuer_cardholder_id && stale && ctx.issuer) {
    try {
      const upstream = await ctx.issuer.getCardholder(holder.issuer_cardholder_id);
      const next = holderStatusFromIssuer(upstream.status);
      // Conditional on still being IN_REVIEW: a concurrent refresh or webhook may have finished it.
      const updated = await ctx.db
        .updateTable("cardholders")
        .set({
          status: next,
          issuer_status: upstream.status,
          missing_fields: upstream.missingFields ?? null,
          last_synced_at: ctx.now(),
          updated_at: ctx.now(),
        })
        .where("id", "=", holder.id)
        .where("status", "=", "IN_REVIEW")
        .returning(["status", "missing_fields"])
        .executeTakeFirst();
      if (updated) ({ status, missing_fields: missingFields } = updated);
    } catch (error) {
      ctx.log.warn(
        { err: error, holderId },
        "could not refresh cardholder status; returning the last known one",
      );
    }
  }
  return { holderId: holder.id, status, canIssueCard: status === "ACTIVE", missingFields };
}

/** A cardholder of this tenant and mode, or not_found: another tenant's id is indistinguishable from none. */
export async function findHolder(
  ctx: Pick<TenantContext, "db" | "tenantId" | "mode">,
  holderId: string,
) {
  const holder = await ctx.db
    .selectFrom("cardholders")
    .selectAll()
    .where("id", "=", holderId)
    .where("tenant_id", "=", ctx.tenantId)
    .where("mode", "=", ctx.mode)
    .executeTakeFirst();
  if (!holder) throw notFound("Cardholder");
  return holder;
}
