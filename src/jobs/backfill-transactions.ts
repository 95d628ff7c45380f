import type { Log } from "../core/context.ts";
import type { Db } from "../db/pool.ts";
import type { IssuerFor } from "../issuer/port.ts";
import { recordTransaction } from "../modules/transactions/record.ts";
import { claimDueSyncs, finishSyncPass } from "../modules/transactions/sync.ts";

export interface BackfillDeps {
  db: Db;
  issuerFor: IssuerFor;
  log: Log;
  /** How often each tenant's list is read again. */
  intervalMs: number;
  now?: () => Date;
  batchSize?: number;
}

/** How far back each pass reaches before the last one's end: webhooks in flight, clocks apart. */
const OVERLAP_MS = 10 * 60_000;
/** UQPay lists at most 90 days per query; a longer gap is read as several windows. */
const MAX_WINDOW_MS = 89 * 24 * 3600_000;
const PAGE_SIZE = 100;

export interface BackfillReport {
  tenants: number;
  recorded: number;
  failed: number;
}

/**
 * Reads each due tenant's card transactions from the issuer's list and records every one (see
 * recordTransaction: deduplicated, so what a webhook brought is not recorded twice). A tenant is
 * claimed with SKIP LOCKED (several processes share the work) and its next run pushed out before
 * its pages are read, so a slow issuer never makes two processes read the same tenant.
 */
export async function backfillTransactions(deps: BackfillDeps): Promise<BackfillReport> {
  const now = deps.now ?? (() => new Date());
  const claimed = await claimDueSyncs(deps.db, deps.intervalMs, deps.batchSize ?? 20);
  const report: BackfillReport = { tenants: claimed.length, recorded: 0, failed: 0 };
  for (const row of claimed) {
    const issuer = deps.issuerFor(row.mode, row.tenant_id);
    if (!issuer) continue;
    const to = now();
    let from = new Date(new Date(row.synced_to).getTime() - OVERLAP_MS);
    try {
      while (from < to) {
        const windowEnd = new Date(Math.min(to.getTime(), from.getTime() + MAX_WINDOW_MS));
        for (let page = 1; ; page++) {
          const { items, hasMore } = await issuer.listTransactions({
            from,
            to: windowEnd,
            page,
            pageSize: PAGE_SIZE,
          });
          for (const transaction of items) {
            const { result } = await recordTransaction({ ...deps, mode: row.mode }, transaction);
            if (result === "recorded") report.recorded++;
          }
          if (!hasMore) break;
        }
        from = windowEnd;
      }
      await finishSyncPass(
        deps.db,
        { tenantId: row.tenant_id, mode: row.mode },
        { syncedTo: to },
        deps.intervalMs,
      );
    } catch (error) {
      report.failed++;
      deps.log.warn(
        { err: error, tenantId: row.tenant_id },
        "transaction backfill failed; retried next pass",
      );
      await finishSyncPass(
        deps.db,
        { tenantId: row.tenant_id, mode: row.mode },
        { syncedTo: to, error: (error as Error).message.slice(0, 500) },
        deps.intervalMs,
      ).catch(() => {});
    }
  }
  return report;
}
