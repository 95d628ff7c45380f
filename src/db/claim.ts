import type { Db, Tx } from "./pool.ts";

/** What `due` builds: a select of the rows' ids that the claim locks (FOR UPDATE SKIP LOCKED). */
interface DueRows<Id> {
  forUpdate(): { skipLocked(): { execute(): Promise<{ id: Id }[]> } };
}

/**
 * The work-queue claim every background job uses (decision record: a SKIP LOCKED table instead of
 * a queue). In one transaction: lock the due rows no other worker holds, skipping the held ones
 * rather than waiting, then `lease` them (push their due time out, stamp them) so they leave the
 * due set before the locks go. Several processes share the work; none takes a row twice.
 */
export function claimDue<Id, T>(
  db: Db,
  due: (tx: Tx) => DueRows<Id>,
  lease: (tx: Tx, ids: Id[]) => Promise<T[]>,
): Promise<T[]> {
  return db.transaction().execute(async (tx) => {
    const rows = await due(tx).forUpdate().skipLocked().execute();
    if (rows.length === 0) return [];
    return lease(
      tx,
      rows.map((r) => r.id),
    );
  });
}
