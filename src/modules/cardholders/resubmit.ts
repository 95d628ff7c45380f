import { sql } from "kysely";
import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError, validationError } from "../../core/errors.ts";
import { inTransaction } from "../../db/transaction.ts";
import { isIssuerRefusal } from "../../issuer/port.ts";
import {
  discardSealed,
  type KycFiles,
  recordDocuments,
  sealDocuments,
} from "../documents/vault.ts";
import { refusalError } from "./create.ts";
import type { CardholderFields } from "./fields.ts";
import { liveDocuments, markDocumentsDeleted, updateHolder } from "./repo.ts";
import { findHolder, type HolderStatusView } from "./service.ts";
import { holderStatusFromIssuer } from "./status.ts";
import { changeHolderStatus } from "./transition.ts";

export type DocumentCorrections = Partial<
  Pick<CardholderFields, "kycDocType" | "kycIdNumber" | "kycIssueDate" | "kycExpiryDate">
>;

/**
 * New identity documents for a cardholder still in review (typically after the issuer answered
 * INCOMPLETE), without creating a new cardholder. The new documents are stored encrypted and sent
 * with an upstream key derived from their content, so a retried request replays; the previous
 * documents are deleted once the issuer has accepted the new ones.
 */
export async function resubmitDocuments(
  ctx: TenantContext,
  input: { holderId: string; files: KycFiles; corrections: DocumentCorrections },
): Promise<HolderStatusView> {
  const { files, corrections } = input;
  const { vault } = ctx;
  const holder = await findHolder(ctx, input);
  if (holder.status === "REJECTED")
    throw new CardrailError("cardholder_rejected", "The cardholder was rejected by KYC");
  if (holder.status === "ACTIVE") {
    throw new CardrailError(
      "kyc_already_decided",
      "The cardholder is already verified; no documents are needed",
    );
  }
  if (holder.submission_state !== "submitted" || !holder.issuer_cardholder_id) {
    throw new CardrailError(
      "cardholder_under_verification",
      "The first KYC submission has not reached the issuer yet; retry after it has",
      undefined,
      5,
    );
  }
  const issuer = requireIssuer(ctx);
  const docType =
    corrections.kycDocType ??
    (holder.kyc_doc_type as NonNullable<DocumentCorrections["kycDocType"]>);
  if (docType !== "passport" && !files.docBack) {
    throw validationError([
      { field: "docBack", message: `required when kycDocType is ${docType}` },
    ]);
  }

  const previous = await liveDocuments(ctx.db, holder.id);
  const sealed = await sealDocuments(vault, holder.id, files);
  let upstream: Awaited<ReturnType<typeof issuer.resubmitDocuments>>;
  try {
    upstream = await issuer.resubmitDocuments(
      holder.issuer_cardholder_id,
      {
        type: docType,
        number: corrections.kycIdNumber ?? holder.kyc_id_number,
        issueDate: corrections.kycIssueDate ?? holder.kyc_issue_date ?? undefined,
        expiryDate: corrections.kycExpiryDate ?? holder.kyc_expiry_date ?? undefined,
        front: files.docFront,
        back: files.docBack,
        selfie: files.selfie,
      },
      {
        idempotencyKey: deterministicUuid(
          "resubmit",
          holder.id,
          JSON.stringify(corrections),
          ...Object.values(files).map((f) => (f ? sha256Hex(f.bytes) : "")),
        ),
      },
    );
  } catch (error) {
    await discardSealed(vault, sealed);
    if (isIssuerRefusal(error)) throw refusalError(error);
    throw new CardrailError(
      "upstream_unavailable",
      "The card issuer could not be reached; nothing changed. Retry the same request.",
      { retryable: true },
      2,
    );
  }

  const status = holderStatusFromIssuer(upstream.status);
  await inTransaction(ctx.db, async (tx) => {
    await recordDocuments(
      tx,
      { holderId: holder.id, tenantId: ctx.tenantId, mode: ctx.mode },
      sealed,
    );
    await markDocumentsDeleted(
      tx,
      previous.map((p) => p.id),
    );
    await updateHolder(tx, holder.id, {
      kyc_doc_type: docType,
      kyc_id_number: corrections.kycIdNumber ?? holder.kyc_id_number,
      kyc_issue_date: corrections.kycIssueDate ?? holder.kyc_issue_date,
      kyc_expiry_date: corrections.kycExpiryDate ?? holder.kyc_expiry_date,
      updated_at: sql<Date>`now()`,
    });
  });
  const result = await changeHolderStatus(ctx.db, holder.id, {
    status,
    issuerStatus: upstream.status,
    missingFields: upstream.missingFields ?? null,
  });
  // The replaced documents are no longer needed by anyone: delete their blobs now.
  await Promise.all(previous.map((p) => vault.store.delete(p.storage_key)));
  return {
    holderId: holder.id,
    status: result.status,
    canIssueCard: result.status === "ACTIVE",
    missingFields: result.missingFields,
  };
}
