import { sql } from "kysely";
import type { TenantContext } from "../../core/context.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { HolderStatus } from "../../db/schema.ts";
import type { CardIssuer, IssuerError, SubmitCardholderInput } from "../../issuer/port.ts";
import { isIssuerRefusal } from "../../issuer/port.ts";
import { type DocumentVault, openDocuments } from "../documents/vault.ts";
import { submissionRecord, updateHolder } from "./repo.ts";
import { holderStatusFromIssuer } from "./status.ts";
import { changeHolderStatus } from "./transition.ts";

/**
 * One attempt to submit a committed cardholder's KYC to the issuer, with the cardholder's fixed
 * upstream idempotency key (so an attempt whose answer was lost replays instead of duplicating).
 *
 *  - accepted → the issuer's id and status are recorded; submission 'submitted';
 *  - refused (a definite 4xx) → returned to the caller, which decides (the request path removes the
 *    cardholder and answers 400; the retry job records the refusal);
 *  - anything else (unreachable, timeout, 5xx, 429) → stays 'pending' with a backoff; the retry
 *    job tries again.
 */
export type SubmitOutcome =
  | { kind: "submitted"; status: HolderStatus }
  | { kind: "refused"; error: IssuerError }
  | { kind: "pending"; error: unknown };

export async function submitOnce(
  ctx: Pick<TenantContext, "db" | "log">,
  issuer: CardIssuer,
  holder: { id: string; submissionKey: string; attempts: number },
  input: SubmitCardholderInput,
): Promise<SubmitOutcome> {
  try {
    const upstream = await issuer.submitCardholder(input, { idempotencyKey: holder.submissionKey });
    const { status } = await changeHolderStatus(ctx.db, holder.id, {
      status: holderStatusFromIssuer(upstream.status),
      issuerStatus: upstream.status,
      missingFields: upstream.missingFields ?? null,
      also: {
        issuer_cardholder_id: upstream.issuerCardholderId,
        submission_state: "submitted",
        submission_attempts: holder.attempts + 1,
        next_submission_at: null,
        last_submission_error: null,
      },
    });
    return { kind: "submitted", status };
  } catch (error) {
    if (isIssuerRefusal(error)) {
      return { kind: "refused", error };
    }
    const delayMs = retryDelayMs(holder.attempts + 1);
    ctx.log.warn(
      { err: error, holderId: holder.id, retryInMs: delayMs },
      "KYC submission did not reach the issuer; will retry",
    );
    await updateHolder(
      ctx.db,
      holder.id,
      {
        submission_attempts: holder.attempts + 1,
        next_submission_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
        last_submission_error: error instanceof Error ? error.message.slice(0, 500) : String(error),
        updated_at: sql<Date>`now()`,
      },
      // A submission that landed meanwhile (another process) is not pushed back to pending's schedule.
      { submissionState: "pending" },
    );
    return { kind: "pending", error };
  }
}

/** Exponential backoff with jitter: ~2 s, 4 s, 8 s … capped at 10 minutes. */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(600_000, 1000 * 2 ** Math.min(attempt, 20));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** Rebuilds the issuer submission of a stored cardholder (its documents decrypted from the vault). */
export async function submissionInputFor(
  db: DbOrTx,
  vault: DocumentVault,
  holderId: string,
): Promise<SubmitCardholderInput | null> {
  const row = await submissionRecord(db, holderId);
  const files = await openDocuments(vault, db, holderId);
  if (!row || !files) return null;
  return {
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    countryCode: row.country,
    mobile: row.mobile,
    areaCode: row.area_code ?? undefined,
    town: row.town ?? undefined,
    dateOfBirth: row.date_of_birth ?? undefined,
    gender: row.gender === "male" ? "MALE" : row.gender === "female" ? "FEMALE" : undefined,
    document: {
      type: row.kyc_doc_type as SubmitCardholderInput["document"]["type"],
      number: row.kyc_id_number,
      issueDate: row.kyc_issue_date ?? undefined,
      expiryDate: row.kyc_expiry_date ?? undefined,
      front: files.docFront,
      back: files.docBack,
      selfie: files.selfie,
    },
  };
}
