import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError, validationError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { constraintViolation } from "../../db/constraint.ts";
import type { IssuerError, SubmitCardholderInput } from "../../issuer/port.ts";
import {
  type DocumentVault,
  deleteDocuments,
  discardSealed,
  type KycFiles,
  recordDocuments,
  sealDocuments,
} from "../documents/vault.ts";
import {
  answerForLostKey,
  claimKey,
  finishKey,
  holdKey,
  type KeyLease,
  KeyLostError,
  type KeyRef,
  releaseKey,
} from "../idempotency/keys.ts";
import type { CardholderFields } from "./fields.ts";
import type { CreatedCardholder } from "./schemas.ts";
import { assertEmailFree } from "./service.ts";
import { submitOnce } from "./submit.ts";

export interface NewCardholder {
  fields: CardholderFields;
  files: KycFiles;
}

/**
 * Creates the end user and the cardholder and submits KYC, durably:
 *
 *  1. the documents are encrypted into the vault and the rows committed (no transaction is held
 *     across any network call);
 *  2. one submission attempt is made at once. Accepted: the issuer's status is returned. Refused
 *     definitely (the issuer names bad fields): the cardholder and its documents are removed and the
 *     tenant gets a 400 naming the fields, so a corrected request can reuse the email. Anything
 *     else (issuer down, slow, 5xx): the answer is still 201 IN_REVIEW, and the KYC retry job
 *     submits later with the same upstream idempotency key until it lands.
 *
 * With `lease` (the request's Idempotency-Key), both transactions commit only while the lease still
 * holds the key: a request that lost its key writes no cardholder and removes none.
 */
export async function createCardholder(
  ctx: TenantContext,
  vault: DocumentVault,
  input: NewCardholder,
  lease: KeyLease | null = null,
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
  const submissionKey = submissionKeyFor(ctx, input);

  const sealed = await sealDocuments(vault, holderId, files);
  try {
    await ctx.db.transaction().execute(async (tx) => {
      if (lease) await holdKey(tx, lease);
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
          submission_state: "pending",
          next_submission_at: new Date(),
          last_synced_at: null,
          last_submission_error: null,
          decided_at: null,
        })
        .execute();
      await recordDocuments(tx, { holderId, tenantId: ctx.tenantId, mode: ctx.mode }, sealed);
    });
  } catch (error) {
    await discardSealed(vault, sealed);
    if (constraintViolation(error)?.code === "23505") {
      // A concurrent request took the email, or this very request is already being submitted.
      await assertEmailFree(ctx, fields.email);
      throw new CardrailError(
        "idempotency_key_in_use",
        "An identical cardholder request is in progress",
        undefined,
        1,
      );
    }
    throw error;
  }

  const outcome = await submitOnce(
    ctx,
    issuer,
    { id: holderId, submissionKey, attempts: 0 },
    toSubmission(fields, files),
  );
  if (outcome.kind === "refused") {
    await ctx.db.transaction().execute(async (tx) => {
      if (lease) await holdKey(tx, lease);
      await deleteDocuments(vault, tx, holderId);
      await tx.deleteFrom("kyc_documents").where("cardholder_id", "=", holderId).execute();
      await tx.deleteFrom("cardholders").where("id", "=", holderId).execute();
      await tx.deleteFrom("end_users").where("id", "=", userId).execute();
    });
    throw refusalError(outcome.error);
  }
  return {
    userId,
    holderId,
    holderStatus: outcome.kind === "submitted" ? outcome.status : "IN_REVIEW",
  };
}

function toSubmission(fields: CardholderFields, files: KycFiles): SubmitCardholderInput {
  return {
    email: fields.email,
    firstName: fields.firstName,
    lastName: fields.lastName,
    countryCode: fields.country,
    mobile: fields.mobile,
    areaCode: fields.areaCode,
    dateOfBirth: fields.kycDob,
    gender: fields.gender === "male" ? "MALE" : fields.gender === "female" ? "FEMALE" : undefined,
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
  };
}

/** A definite refusal, told in the contract's terms: the fields the issuer named, or a 502. */
export function refusalError(error: IssuerError): CardrailError {
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

/** The request's content, hashed: what makes two cardholder requests "the same request". */
function contentHash(input: NewCardholder): string {
  return sha256Hex(
    JSON.stringify([
      input.fields,
      sha256Hex(input.files.docFront.bytes),
      input.files.docBack ? sha256Hex(input.files.docBack.bytes) : "",
      input.files.selfie ? sha256Hex(input.files.selfie.bytes) : "",
    ]),
  );
}

/** The upstream idempotency key: derived from the content, so an identical retry replays at the issuer. */
function submissionKeyFor(
  ctx: Pick<TenantContext, "tenantId" | "mode">,
  input: NewCardholder,
): string {
  return deterministicUuid("cardholder", ctx.tenantId, ctx.mode, contentHash(input));
}

/**
 * createCardholder behind an optional Idempotency-Key (same semantics as POST /cards): the same key
 * and request replays the first 201; another request with the key is 422; a request still running
 * is 409. Refusals consume no key. A key left by a process that died mid-request is resumed: if
 * that request had committed the cardholder (found by its content-derived submission key), the
 * retry answers with it instead of a duplicate_cardholder. A request that lost its key (it stalled
 * past its lease and another took the key over) commits nothing and answers like issueCard does.
 */
export async function createCardholderIdempotent(
  ctx: TenantContext,
  vault: DocumentVault,
  input: NewCardholder,
  options: { idempotencyKey?: string; lockTimeoutMs: number },
): Promise<{ created: CreatedCardholder; replayed: boolean }> {
  if (!options.idempotencyKey)
    return { created: await createCardholder(ctx, vault, input), replayed: false };
  const ref: KeyRef = { tenantId: ctx.tenantId, mode: ctx.mode, key: options.idempotencyKey };
  const request = { path: "POST /cardholders", hash: contentHash(input) };
  const claim = await claimKey(ctx.db, ref, request, options.lockTimeoutMs);
  if (claim.state === "replay")
    return { created: (claim.outcome as { ok: CreatedCardholder }).ok, replayed: true };
  const { lease } = claim;
  try {
    let created: CreatedCardholder;
    try {
      const earlier =
        claim.state === "resume"
          ? await ctx.db
              .selectFrom("cardholders")
              .select(["id as holderId", "user_id as userId", "status as holderStatus"])
              .where("submission_key", "=", submissionKeyFor(ctx, input))
              .executeTakeFirst()
          : undefined;
      created = earlier ?? (await createCardholder(ctx, vault, input, lease));
    } catch (error) {
      // Refused, nothing kept: forget the key so the corrected request can use it.
      if (!(error instanceof KeyLostError)) await releaseKey(ctx.db, lease);
      throw error;
    }
    await finishKey(ctx.db, lease, { ok: created });
    return { created, replayed: false };
  } catch (error) {
    if (!(error instanceof KeyLostError)) throw error;
    ctx.log.warn(
      "idempotency key taken over while its request ran; this request committed nothing",
    );
    const { outcome } = await answerForLostKey(ctx.db, ref, request);
    return { created: (outcome as { ok: CreatedCardholder }).ok, replayed: true };
  } finally {
    lease.stop();
  }
}
