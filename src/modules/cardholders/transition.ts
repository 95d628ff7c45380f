import { sql, type UpdateObject } from "kysely";
import type { DbOrTx } from "../../db/pool.ts";
import type { Database, HolderStatus } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import { emitEvent } from "../webhooks/index.ts";
import { lockHolder, updateHolder } from "./repo.ts";

export interface HolderChange {
  status: HolderStatus;
  issuerStatus?: string;
  missingFields?: string[] | null;
  /** Other columns written with the change (the submission's bookkeeping, the issuer's id). */
  also?: UpdateObject<Database, "cardholders">;
}

/**
 * The one way a cardholder's status changes: forward only (IN_REVIEW may become ACTIVE or
 * REJECTED; a final status never changes again), with the tenant's `cardholder.status_changed`
 * event written in the same transaction, so the event exists exactly when the change does.
 * Polling, issuer webhooks, the submission job and document resubmission all come through here.
 */
export async function changeHolderStatus(
  db: DbOrTx,
  holderId: string,
  change: HolderChange,
): Promise<{ status: HolderStatus; missingFields: string[] | null; changed: boolean }> {
  return inTransaction(db, async (tx) => {
    const current = await lockHolder(tx, holderId);
    if (current.status !== "IN_REVIEW") {
      return { status: current.status, missingFields: current.missing_fields, changed: false };
    }
    const missingFields =
      change.missingFields === undefined ? current.missing_fields : change.missingFields;
    await updateHolder(tx, holderId, {
      ...change.also,
      status: change.status,
      ...(change.issuerStatus ? { issuer_status: change.issuerStatus } : {}),
      missing_fields: missingFields,
      last_synced_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
      decided_at: change.status === "IN_REVIEW" ? null : sql<Date>`now()`,
    });
    const changed =
      change.status !== current.status ||
      JSON.stringify(missingFields ?? null) !== JSON.stringify(current.missing_fields ?? null);
    if (changed) {
      await emitEvent(tx, {
        tenantId: current.tenant_id,
        mode: current.mode,
        type: "cardholder.status_changed",
        data: {
          holderId,
          status: change.status,
          previousStatus: current.status,
          canIssueCard: change.status === "ACTIVE",
          ...(missingFields?.length ? { missingFields } : {}),
        },
      });
    }
    return { status: change.status, missingFields, changed };
  });
}
