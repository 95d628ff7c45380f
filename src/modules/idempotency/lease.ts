import { type ExpressionBuilder, sql } from "kysely";
import type { TenantContext } from "../../core/context.ts";
import type { Db, DbOrTx } from "../../db/pool.ts";
import type { Database } from "../../db/schema.ts";

/** A key's lease: the fencing token, its heartbeat, and the fenced update every holder write uses (keys.ts). */

export interface KeyRef {
  tenantId: string;
  mode: TenantContext["mode"];
  key: string;
}

/** A held key: its fencing token, and the heartbeat that renews its lease until stopped. */
export interface KeyLease {
  readonly ref: KeyRef;
  readonly token: string;
  readonly leaseMs: number;
  /** True once a renewal found the key no longer held by this token. */
  readonly lost: boolean;
  /** Stops the heartbeat. Idempotent; finishing, unlocking and releasing the key also stop it. */
  stop(): void;
}

/** Pushes the lease's end forward; false when the key is no longer held with this token. */
export async function renewLease(db: DbOrTx, lease: KeyLease): Promise<boolean> {
  const renewed = await fenced(db, lease)
    .set({ lease_expires_at: leaseEnd(lease.leaseMs) })
    .where("recovery_point", "<>", "finished")
    .returning("key")
    .executeTakeFirst();
  return renewed !== undefined;
}

/**
 * Starts the heartbeat: renews every third of the lease, so two renewals can fail (a slow database)
 * before the lease runs out. A renewal that finds the token gone marks the lease lost and stops;
 * one that fails on the database keeps trying: the fence, not the heartbeat, is what refuses a
 * stale holder's writes.
 */
export function startLease(db: Db, ref: KeyRef, token: string, leaseMs: number): KeyLease {
  let lost = false;
  let renewing = false;
  const timer = setInterval(
    async () => {
      if (renewing) return;
      renewing = true;
      try {
        if (!(await renewLease(db, lease))) {
          lost = true;
          clearInterval(timer);
        }
      } catch {
        // Unreachable database: retried at the next beat.
      } finally {
        renewing = false;
      }
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  // A forgotten lease never keeps the process alive; it also stops itself once the key is let go.
  timer.unref();
  const lease: KeyLease = {
    ref,
    token,
    leaseMs,
    get lost() {
      return lost;
    },
    stop: () => clearInterval(timer),
  };
  return lease;
}

export const leaseEnd = (leaseMs: number) =>
  sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`;

/** An update of the key's row that matches only while this lease's token holds it. */
export const fenced = (db: DbOrTx, lease: KeyLease) =>
  db.updateTable("idempotency_keys").where(keyRow(lease.ref)).where("lock_token", "=", lease.token);

/** The key's row, as a where-clause usable by any query on idempotency_keys. */
export const keyRow = (ref: KeyRef) => (eb: ExpressionBuilder<Database, "idempotency_keys">) =>
  eb.and({ tenant_id: ref.tenantId, mode: ref.mode, key: ref.key });
