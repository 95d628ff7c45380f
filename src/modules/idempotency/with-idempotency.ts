import type { TenantContext } from "../../core/context.ts";
import { CardrailError, type ErrorCode } from "../../core/errors.ts";
import type { Db } from "../../db/pool.ts";
import type { RecoveryPoint } from "../../db/schema.ts";
import {
  answerForLostKey,
  claimKey,
  finishKey,
  type KeyLease,
  KeyLostError,
  type KeyRequest,
  releaseKey,
  unlockKey,
} from "./keys.ts";

/**
 * The one way an operation runs behind an Idempotency-Key (docs/adr/0003). It owns the key's
 * whole life, so an operation only does its work:
 *
 *  - claim the key; a finished key answers its stored outcome as a replay (errors included, with
 *    the requestId they were first answered with);
 *  - a key left unfinished by a request that died is resumed: the operation gets the claim's
 *    recovery point (and card) to continue from;
 *  - the operation throws before it recorded anything (see `IdempotentRun.recorded`): the key is
 *    released, so the tenant can fix the cause (fund the wallet, say) and retry with it;
 *  - the operation's outcome is unknown (`{ unknown }`): the key is unlocked, not finished, and the
 *    error answered (503): a retry with the key resumes;
 *  - a final outcome (`{ ok }` or a stored `{ error }`) finishes the key and is answered;
 *  - the key was taken over while the operation ran (KeyLostError, from any fenced write): this
 *    request committed nothing and answers the key's outcome as a replay, or 409 while the other
 *    request still runs.
 *
 * Without an Idempotency-Key the operation runs once with `lease: null`, and its outcome is
 * answered the same way.
 */

/** An outcome the key stores and every replay repeats. */
export type FinalOutcome<T> =
  | { ok: T }
  | { error: { code: ErrorCode; message: string; details?: unknown }; requestId?: string };

/** What an operation ends with: final, or unknown (the key is kept, unlocked, for a retry). */
export type Outcome<T> = FinalOutcome<T> | { unknown: CardrailError };

/** Where a resumed key's earlier request got to: its recovery point, and the card or order it recorded. */
export interface Resume {
  recoveryPoint: Exclude<RecoveryPoint, "finished">;
  cardId: string | null;
  orderId: string | null;
}

export interface IdempotentRun {
  /** Fences every write of the operation (holdKey, advanceKey…); null without an Idempotency-Key. */
  readonly lease: KeyLease | null;
  /** Set when the key was left unfinished by an earlier request: continue from there. */
  readonly resume: Resume | null;
  /**
   * Says that the operation has committed an effect the key must keep (a debit, say): from now on
   * a failure does not release the key, and the next request with it resumes. A resumed key past
   * `started` counts as recorded already.
   */
  recorded(): void;
}

export interface IdempotencyScope {
  /** The operation, e.g. "POST /cards": a key used for one operation cannot replay another. */
  operation: string;
  /** The client's Idempotency-Key, if it sent one. */
  key: string | undefined;
}

export async function withIdempotency<T>(
  ctx: TenantContext,
  scope: IdempotencyScope,
  requestHash: string,
  operation: (run: IdempotentRun) => Promise<Outcome<T>>,
): Promise<{ value: T; replayed: boolean }> {
  if (!scope.key) {
    const outcome = await operation({ lease: null, resume: null, recorded: () => {} });
    if ("unknown" in outcome) throw outcome.unknown;
    return answer(outcome, false);
  }
  // The heartbeat renews the lease on the database itself, never inside a caller's transaction.
  if (ctx.db.isTransaction) throw new Error("withIdempotency runs outside any transaction");
  const db = ctx.db as Db;
  const ref = { tenantId: ctx.tenantId, mode: ctx.mode, key: scope.key };
  const request: KeyRequest = { path: scope.operation, hash: requestHash };
  const claim = await claimKey(db, ref, request, ctx.settings.idempotencyLockTimeoutMs);
  if (claim.state === "replay") return answer(claim.outcome as FinalOutcome<T>, true);

  const { lease } = claim;
  const resume =
    claim.state === "resume"
      ? { recoveryPoint: claim.recoveryPoint, cardId: claim.cardId, orderId: claim.orderId }
      : null;
  let recorded = resume !== null && resume.recoveryPoint !== "started";
  try {
    let outcome: Outcome<T>;
    try {
      outcome = await operation({ lease, resume, recorded: () => (recorded = true) });
    } catch (error) {
      // Nothing kept: forget the key so a corrected request can use it.
      if (!recorded && !(error instanceof KeyLostError)) await releaseKey(db, lease);
      throw error;
    }
    if ("unknown" in outcome) {
      await unlockKey(db, lease);
      throw outcome.unknown;
    }
    // An error is stored with the requestId it is answered with, so its replay repeats that too.
    await finishKey(
      db,
      lease,
      "error" in outcome ? { ...outcome, requestId: ctx.requestId } : outcome,
    );
    return answer(outcome, false);
  } catch (error) {
    if (!(error instanceof KeyLostError)) throw error;
    ctx.log.warn(
      "idempotency key taken over while its request ran; this request committed nothing",
    );
    const { outcome } = await answerForLostKey(db, ref, request);
    return answer(outcome as FinalOutcome<T>, true);
  } finally {
    lease.stop();
  }
}

/** The answer of a final outcome: its value, or its error thrown (marked as a replay when it is one). */
function answer<T>(outcome: FinalOutcome<T>, replayed: boolean): { value: T; replayed: boolean } {
  if ("ok" in outcome) return { value: outcome.ok, replayed };
  const error = new CardrailError(outcome.error.code, outcome.error.message, outcome.error.details);
  error.replayed = replayed;
  if (replayed) error.originalRequestId = outcome.requestId;
  throw error;
}
