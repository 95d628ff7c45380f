import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError, validationError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { constraintViolation } from "../../db/constraint.ts";
import { inTransaction } from "../../db/transaction.ts";
import type { IssuerError, SubmitCardholderInput } from "../../issuer/port.ts";
import {
  deleteDocuments,
  discardSealed,
  type KycFiles,
  recordDocuments,
  sealDocuments,
} from "../documents/vault.ts";
import { holdKey, type KeyLease } from "../idempotency/keys.ts";
import { withIdempotency } from "../idempotency/with-idempotency.ts";
import type { CardholderFields } from "./fields.ts";
import { deleteHolder, holderBySubmissionKey, insertHolder } from "./repo.ts";
import type { CreatedCardholder } from "./schemas.ts";
import { assertEmailFree } from "./service.ts";
import { submitOnce } from "./submit.ts";

export interface NewCardholder {
  fields: CardholderFields;
  files: KycFiles;
  /** The client's Idempotency-Key: a retry with it answers the first cardholder, never a duplicate. */
  idempotencyKey?: string;
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
async function createAndSubmit(
  ctx: TenantContext,
  input: NewCardholder,
  lease: KeyLease | null,
): Promise<CreatedCardholder> {
  const { vault } = ctx;
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
    await inTransaction(ctx.db, async (tx) => {
      if (lease) await holdKey(tx, lease);
      await insertHolder(
        tx,
        {
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
        },
        {
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
        },
      );
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
    await inTransaction(ctx.db, async (tx) => {
      if (lease) await holdKey(tx, lease);
      await deleteDocuments(vault, tx, holderId);
      await deleteHolder(tx, holderId, userId);
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
function contentHash(input: Pick<NewCardholder, "fields" | "files">): string {
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
  input: Pick<NewCardholder, "fields" | "files">,
): string {
  return deterministicUuid("cardholder", ctx.tenantId, ctx.mode, contentHash(input));
}

/**
 * Creates a cardholder behind an optional Idempotency-Key (same semantics as POST /cards, through
 * withIdempotency): the same key and request replays the first 201; another request with the key
 * is 422; a request still running is 409. Refusals consume no key: the operation never marks
 * anything recorded, since a refusal removes what it wrote. A key left by a process that died
 * mid-request is resumed: if that request had committed the cardholder (found by its
 * content-derived submission key), the retry answers with it instead of a duplicate_cardholder.
 */
export async function createCardholder(
  ctx: TenantContext,
  input: NewCardholder,
): Promise<{ created: CreatedCardholder; replayed: boolean }> {
  const { value, replayed } = await withIdempotency(
    ctx,
    { operation: "POST /cardholders", key: input.idempotencyKey },
    contentHash(input),
    async ({ lease, resume }) => {
      const earlier = resume
        ? await holderBySubmissionKey(ctx.db, submissionKeyFor(ctx, input))
        : undefined;
      return { ok: earlier ?? (await createAndSubmit(ctx, input, lease)) };
    },
  );
  return { created: value, replayed };
}
