import type { Log } from "../core/context.ts";
import type { Db } from "../db/pool.ts";
import type { IssuerFor } from "../issuer/port.ts";
import { refusalError } from "../modules/cardholders/create.ts";
import { claimDueSubmissions, claimStaleReviews } from "../modules/cardholders/repo.ts";
import { holderStatusFromIssuer } from "../modules/cardholders/status.ts";
import { submissionInputFor, submitOnce } from "../modules/cardholders/submit.ts";
import { changeHolderStatus } from "../modules/cardholders/transition.ts";
import { type DocumentVault, purgeDecidedDocuments } from "../modules/documents/vault.ts";

export interface KycJobDeps {
  db: Db;
  issuerFor: IssuerFor;
  vault: DocumentVault;
  log: Log;
}

/** How long a claimed row is left alone by other processes while one works on it. */
const LEASE_SECONDS = 60;

/**
 * Submits cardholders whose KYC has not reached the issuer yet (it was down or slow when they
 * were created), each with its own fixed upstream idempotency key, so a retry never creates a
 * second upstream cardholder. Rows are claimed with SKIP LOCKED and leased, so several processes
 * share the work. A definite refusal is recorded as REJECTED with the fields the issuer named.
 */
export async function submitPendingKyc(deps: KycJobDeps, batchSize = 20): Promise<number> {
  const claimed = await claimDueSubmissions(deps.db, batchSize, LEASE_SECONDS);
  let submitted = 0;
  for (const holder of claimed) {
    const issuer = deps.issuerFor(holder.mode, holder.tenant_id);
    if (!issuer) continue;
    try {
      const input = await submissionInputFor(deps.db, deps.vault, holder.id);
      if (!input) {
        deps.log.error(
          { holderId: holder.id },
          "pending KYC submission has no documents; cannot submit",
        );
        continue;
      }
      const outcome = await submitOnce(
        deps,
        issuer,
        {
          id: holder.id,
          submissionKey: holder.submission_key,
          attempts: holder.submission_attempts,
        },
        input,
      );
      if (outcome.kind === "submitted") submitted++;
      if (outcome.kind === "refused") {
        const reason = refusalError(outcome.error);
        const fields = Array.isArray(reason.details)
          ? (reason.details as { field: string }[]).map((d) => d.field)
          : [];
        await changeHolderStatus(deps.db, holder.id, {
          status: "REJECTED",
          missingFields: fields.length > 0 ? fields : null,
          also: {
            submission_state: "refused",
            last_submission_error: reason.message.slice(0, 500),
          },
        });
      }
    } catch (error) {
      deps.log.error(
        { err: error, holderId: holder.id },
        "KYC submission job failed for a cardholder",
      );
    }
  }
  return submitted;
}

/**
 * Refreshes cardholders still IN_REVIEW whose status was last confirmed more than `staleAfterMs`
 * ago, so a lost webhook (and a tenant that never polls) never leaves a status stale.
 */
export async function refreshStaleReviews(
  deps: Omit<KycJobDeps, "vault">,
  staleAfterMs: number,
  batchSize = 50,
): Promise<number> {
  const claimed = await claimStaleReviews(deps.db, staleAfterMs, batchSize);
  let decided = 0;
  for (const holder of claimed) {
    const issuer = deps.issuerFor(holder.mode, holder.tenant_id);
    if (!issuer || !holder.issuer_cardholder_id) continue;
    try {
      const upstream = await issuer.getCardholder(holder.issuer_cardholder_id);
      const result = await changeHolderStatus(deps.db, holder.id, {
        status: holderStatusFromIssuer(upstream.status),
        issuerStatus: upstream.status,
        missingFields: upstream.missingFields ?? null,
      });
      if (result.changed && result.status !== "IN_REVIEW") decided++;
    } catch (error) {
      deps.log.warn(
        { err: error, holderId: holder.id },
        "could not refresh a cardholder in review",
      );
    }
  }
  return decided;
}

export async function purgeDocuments(
  deps: Pick<KycJobDeps, "db" | "vault" | "log">,
  retentionDays: number,
): Promise<number> {
  const purged = await purgeDecidedDocuments(deps.vault, deps.db, retentionDays);
  if (purged > 0) deps.log.info({ purged, retentionDays }, "deleted KYC documents past retention");
  return purged;
}
