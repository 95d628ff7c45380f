import { type ExpressionBuilder, sql } from "kysely";
import type { TenantContext } from "../../core/context.ts";
import { CardrailError } from "../../core/errors.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { Database, RecoveryPoint } from "../../db/schema.ts";

/**
 * Idempotency keys with recovery points (Stripe's design, as Brandur Leach described it for
 * Postgres). A key row records the request's hash, how far the request got, and, once finished,
 * its outcome. Claiming locks the key for one request at a time across every process; a lock older
 * than the timeout belonged to a process that died, and the next request with the key resumes.
 */

export type Claim =
  | { state: "new" }
  | { state: "resume"; recoveryPoint: Exclude<RecoveryPoint, "finished">; cardId: string | null }
  | { state: "replay"; outcome: unknown };

export interface KeyRef {
  tenantId: string;
  mode: TenantContext["mode"];
  key: string;
}

export async function claimKey(
  db: DbOrTx,
  ref: KeyRef,
  request: { path: string; hash: string },
  lockTimeoutMs: number,
): Promise<Claim> {
  const inserted = await db
    .insertInto("idempotency_keys")
    .values({
      tenant_id: ref.tenantId,
      mode: ref.mode,
      key: ref.key,
      request_path: request.path,
      request_hash: request.hash,
      recovery_point: "started",
      locked_at: sql<Date>`now()`,
      card_id: null,
      outcome: null,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "mode", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  if (inserted) return { state: "new" };

  const existing = await db
    .selectFrom("idempotency_keys")
    .select(["request_path", "request_hash", "recovery_point", "card_id", "outcome"])
    .where(keyRow(ref))
    .executeTakeFirst();
  if (!existing) {
    // Released between our insert and select; the caller's retry will claim it.
    throw inUse();
  }
  if (existing.request_path !== request.path || existing.request_hash !== request.hash) {
    throw new CardrailError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request; use a new key for a new request",
    );
  }
  if (existing.recovery_point === "finished") return { state: "replay", outcome: existing.outcome };

  // Take the lock only if nobody holds it, or its holder stopped renewing it (crashed).
  const locked = await db
    .updateTable("idempotency_keys")
    .set({ locked_at: sql<Date>`now()` })
    .where(keyRow(ref))
    .where("recovery_point", "<>", "finished")
    .where((eb) =>
      eb.or([
        eb("locked_at", "is", null),
        eb("locked_at", "<", sql<Date>`now() - make_interval(secs => ${lockTimeoutMs / 1000})`),
      ]),
    )
    .returning(["recovery_point", "card_id"])
    .executeTakeFirst();
  if (!locked) throw inUse();
  return {
    state: "resume",
    recoveryPoint: locked.recovery_point as Exclude<RecoveryPoint, "finished">,
    cardId: locked.card_id,
  };
}

const inUse = () =>
  new CardrailError(
    "idempotency_key_in_use",
    "A request with this Idempotency-Key is still in progress; retry after it completes",
    undefined,
    1,
  );

export async function advanceKey(
  db: DbOrTx,
  ref: KeyRef,
  recoveryPoint: "card_created",
  cardId: string,
) {
  await db
    .updateTable("idempotency_keys")
    .set({ recovery_point: recoveryPoint, card_id: cardId })
    .where(keyRow(ref))
    .execute();
}

export async function finishKey(db: DbOrTx, ref: KeyRef, outcome: unknown) {
  await db
    .updateTable("idempotency_keys")
    .set({ recovery_point: "finished", outcome: JSON.stringify(outcome), locked_at: null })
    .where(keyRow(ref))
    .execute();
}

/** Unlocks without finishing: the next request with the key resumes from the recorded point. */
export async function unlockKey(db: DbOrTx, ref: KeyRef) {
  await db.updateTable("idempotency_keys").set({ locked_at: null }).where(keyRow(ref)).execute();
}

/** Forgets a key whose request did nothing (refused before any effect), so a retry runs afresh. */
export async function releaseKey(db: DbOrTx, ref: KeyRef) {
  await db
    .deleteFrom("idempotency_keys")
    .where(keyRow(ref))
    .where("recovery_point", "=", "started")
    .execute();
}

/** The key's row, as a where-clause usable by any query on idempotency_keys. */
const keyRow = (ref: KeyRef) => (eb: ExpressionBuilder<Database, "idempotency_keys">) =>
  eb.and({ tenant_id: ref.tenantId, mode: ref.mode, key: ref.key });
