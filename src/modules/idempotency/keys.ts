import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { CardrailError } from "../../core/errors.ts";
import type { Db, DbOrTx, Tx } from "../../db/pool.ts";
import type { RecoveryPoint } from "../../db/schema.ts";
import {
  fenced,
  type KeyLease,
  type KeyRef,
  keyRow,
  leaseEnd,
  renewLease,
  startLease,
} from "./lease.ts";

export type { KeyLease, KeyRef } from "./lease.ts";
export { renewLease };

/**
 * Idempotency keys with recovery points (Stripe's design, as Brandur Leach described it for
 * Postgres), fenced. A key row records the request's hash, how far the request got, and, once
 * finished, its outcome.
 *
 * One request at a time holds a key, through a lease: claiming writes a fresh fencing token and a
 * lease end; the holder's heartbeat renews the lease while it works (on the issuer, on a status
 * refresh). Another request may take the key over only once the lease has run out, which means its
 * holder crashed or could not reach the database; the takeover writes a new token. Every write the
 * holder makes afterwards (the debit's transaction, advance, finish, unlock, release, settling the
 * card) is conditional on its token, in the transaction of the effect: a holder that lost its key
 * commits nothing and answers from the key's current state (see `answerForLostKey`).
 */

export type Claim =
  | { state: "new"; lease: KeyLease }
  | {
      state: "resume";
      lease: KeyLease;
      recoveryPoint: Exclude<RecoveryPoint, "finished">;
      cardId: string | null;
      orderId: string | null;
    }
  | { state: "replay"; outcome: unknown };

export interface KeyRequest {
  path: string;
  hash: string;
}

/** Thrown by every fenced write when the key is no longer held with this lease's token. */
export class KeyLostError extends Error {
  override readonly name = "KeyLostError";
  constructor(readonly ref: KeyRef) {
    super("the idempotency key was taken over by another request");
  }
}

export async function claimKey(
  db: Db,
  ref: KeyRef,
  request: KeyRequest,
  leaseMs: number,
): Promise<Claim> {
  const token = randomUUID();
  const inserted = await db
    .insertInto("idempotency_keys")
    .values({
      tenant_id: ref.tenantId,
      mode: ref.mode,
      key: ref.key,
      request_path: request.path,
      request_hash: request.hash,
      recovery_point: "started",
      lock_token: token,
      lease_expires_at: leaseEnd(leaseMs),
      card_id: null,
      outcome: null,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "mode", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  if (inserted) return { state: "new", lease: startLease(db, ref, token, leaseMs) };

  const existing = await readKey(db, ref, request);
  if (existing.recovery_point === "finished") return { state: "replay", outcome: existing.outcome };

  // Take the key over only if nobody holds it, or its holder's lease ran out (it crashed).
  const taken = await db
    .updateTable("idempotency_keys")
    .set({ lock_token: token, lease_expires_at: leaseEnd(leaseMs) })
    .where(keyRow(ref))
    .where("recovery_point", "<>", "finished")
    .where((eb) =>
      eb.or([eb("lock_token", "is", null), eb("lease_expires_at", "<", sql<Date>`now()`)]),
    )
    .returning(["recovery_point", "card_id", "order_id"])
    .executeTakeFirst();
  if (!taken) throw inUse();
  return {
    state: "resume",
    lease: startLease(db, ref, token, leaseMs),
    recoveryPoint: taken.recovery_point as Exclude<RecoveryPoint, "finished">,
    cardId: taken.card_id,
    orderId: taken.order_id,
  };
}

/** The key's row for this request: 409 when it is gone (a retry claims it afresh), 422 when another request owns it. */
async function readKey(db: DbOrTx, ref: KeyRef, request: KeyRequest) {
  const existing = await db
    .selectFrom("idempotency_keys")
    .select(["request_path", "request_hash", "recovery_point", "outcome"])
    .where(keyRow(ref))
    .executeTakeFirst();
  if (!existing) throw inUse();
  if (existing.request_path !== request.path || existing.request_hash !== request.hash) {
    throw new CardrailError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request; use a new key for a new request",
    );
  }
  return existing;
}

/**
 * What a request that lost its key answers: the finished outcome when the request that took the
 * key over has finished (the client sees the one outcome of the key, marked as a replay), else 409
 * as for any request that finds its key in use: a retry then gets the outcome.
 */
export async function answerForLostKey(
  db: Db,
  ref: KeyRef,
  request: KeyRequest,
): Promise<{ outcome: unknown }> {
  const existing = await readKey(db, ref, request);
  if (existing.recovery_point === "finished") return { outcome: existing.outcome };
  throw inUse();
}

const inUse = () =>
  new CardrailError(
    "idempotency_key_in_use",
    "A request with this Idempotency-Key is still in progress; retry after it completes",
    undefined,
    1,
  );

/**
 * Proves, inside the caller's transaction, that the lease still holds the key, and renews it.
 * The row lock it takes keeps any takeover waiting until the transaction ends, so the effects the
 * transaction commits and the key's ownership go together. Throws KeyLostError otherwise.
 */
export async function holdKey(tx: Tx, lease: KeyLease): Promise<void> {
  const held = await fenced(tx, lease)
    .set({ lease_expires_at: leaseEnd(lease.leaseMs) })
    .where("recovery_point", "<>", "finished")
    .returning("key")
    .executeTakeFirst();
  if (!held) throw new KeyLostError(lease.ref);
}

/**
 * Records what the request wrote (a card it debited, or a top-up or withdrawal it recorded), in
 * that write's transaction, which it fences: a retry resumes from it.
 */
export async function advanceKey(
  tx: Tx,
  lease: KeyLease,
  recoveryPoint: "card_created" | "order_created",
  recordId: string,
) {
  const advanced = await fenced(tx, lease)
    .set({
      recovery_point: recoveryPoint,
      ...(recoveryPoint === "card_created" ? { card_id: recordId } : { order_id: recordId }),
      lease_expires_at: leaseEnd(lease.leaseMs),
    })
    .where("recovery_point", "=", "started")
    .returning("key")
    .executeTakeFirst();
  if (!advanced) throw new KeyLostError(lease.ref);
}

export async function finishKey(db: DbOrTx, lease: KeyLease, outcome: unknown) {
  lease.stop();
  const finished = await fenced(db, lease)
    .set({
      recovery_point: "finished",
      outcome: JSON.stringify(outcome),
      lock_token: null,
      lease_expires_at: null,
    })
    .where("recovery_point", "<>", "finished")
    .returning("key")
    .executeTakeFirst();
  if (!finished) throw new KeyLostError(lease.ref);
}

/** Lets the key go without finishing: the next request with it resumes from the recorded point. */
export async function unlockKey(db: DbOrTx, lease: KeyLease) {
  lease.stop();
  const unlocked = await fenced(db, lease)
    .set({ lock_token: null, lease_expires_at: null })
    .where("recovery_point", "<>", "finished")
    .returning("key")
    .executeTakeFirst();
  if (!unlocked) throw new KeyLostError(lease.ref);
}

/** Forgets a key whose request did nothing (refused before any effect), so a retry runs afresh. */
export async function releaseKey(db: DbOrTx, lease: KeyLease) {
  lease.stop();
  const released = await db
    .deleteFrom("idempotency_keys")
    .where(keyRow(lease.ref))
    .where("lock_token", "=", lease.token)
    .where("recovery_point", "=", "started")
    .returning("key")
    .executeTakeFirst();
  if (!released) throw new KeyLostError(lease.ref);
}

/**
 * For the recovery sweep: takes over the unfinished key whose request recorded this card (or
 * top-up, or withdrawal), as a request would (only once its lease ran out). `none`: no request key
 * is attached to it (made without one, or its key finished); `held`: a live request holds the key,
 * leave it alone.
 */
export async function takeKeyOf(
  db: Db,
  record: { cardId: string } | { orderId: string },
  leaseMs: number,
): Promise<{ state: "none" } | { state: "held" } | { state: "taken"; lease: KeyLease }> {
  const [column, id, point] =
    "cardId" in record
      ? (["card_id", record.cardId, "card_created"] as const)
      : (["order_id", record.orderId, "order_created"] as const);
  const token = randomUUID();
  const taken = await db
    .updateTable("idempotency_keys")
    .set({ lock_token: token, lease_expires_at: leaseEnd(leaseMs) })
    .where(column, "=", id)
    .where("recovery_point", "=", point)
    .where((eb) =>
      eb.or([eb("lock_token", "is", null), eb("lease_expires_at", "<", sql<Date>`now()`)]),
    )
    .returning(["tenant_id", "mode", "key"])
    .executeTakeFirst();
  if (taken) {
    const ref = { tenantId: taken.tenant_id, mode: taken.mode, key: taken.key };
    return { state: "taken", lease: startLease(db, ref, token, leaseMs) };
  }
  const open = await db
    .selectFrom("idempotency_keys")
    .select("key")
    .where(column, "=", id)
    .where("recovery_point", "=", point)
    .executeTakeFirst();
  return open ? { state: "held" } : { state: "none" };
}
