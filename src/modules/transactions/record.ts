import type { Log } from "../../core/context.ts";
import { newId } from "../../core/ids.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import type { IssuerTransaction } from "../../issuer/port.ts";
import { cardOfIssuerEvent } from "../cards/repo.ts";
import { noteCardBalance } from "../cards/repo-program.ts";
import { emitEvent } from "../webhooks/index.ts";
import { presentTransaction } from "./present.ts";
import { markOriginal, type TransactionRow, upsertTransaction } from "./repo.ts";

export type RecordResult =
  | { result: "recorded" | "updated" | "unchanged"; row: TransactionRow }
  | { result: "unknown_card" };

/**
 * Records one transaction the issuer reported (a webhook, or the backfill reading its list), in
 * one database transaction with what follows from it: the authorization it reverses or settles is
 * marked, the card's known balance is updated, and the tenant is told (`transaction.created` /
 * `transaction.updated`). Deduplicated by the issuer's id, so a webhook and the backfill bringing
 * the same transaction, in any order and any number of times, record it once and tell it once.
 */
export async function recordTransaction(
  deps: { db: DbOrTx; mode: Mode; log: Log },
  transaction: IssuerTransaction,
): Promise<RecordResult> {
  return inTransaction(deps.db, async (tx) => {
    const card = await cardOfIssuerEvent(tx, deps.mode, { issuerCardId: transaction.issuerCardId });
    if (!card) {
      deps.log.warn(
        { issuerTransactionId: transaction.issuerTransactionId },
        "issuer transaction for a card we do not know",
      );
      return { result: "unknown_card" };
    }
    const { row, created, changed } = await upsertTransaction(tx, {
      id: newId("txn"),
      tenant_id: card.tenant_id,
      mode: deps.mode,
      card_id: card.id,
      issuer_transaction_id: transaction.issuerTransactionId,
      original_transaction_id: transaction.originalTransactionId,
      type: transaction.type,
      status: transaction.status,
      amount: transaction.amountMinor,
      currency: transaction.currency,
      billing_amount: transaction.billingAmountMinor,
      billing_currency: transaction.billingCurrency,
      merchant: transaction.merchant ? JSON.stringify(transaction.merchant) : null,
      decline_reason: transaction.declineReason,
      occurred_at: transaction.occurredAt,
      posted_at: transaction.postedAt,
    });
    if (!changed) return { result: "unchanged", row };
    const base = { tenantId: card.tenant_id, mode: deps.mode };
    await emitEvent(tx, {
      ...base,
      type: created ? "transaction.created" : "transaction.updated",
      data: presentTransaction(row),
    });
    if (created && transaction.originalTransactionId && transaction.status !== "declined") {
      const mark =
        transaction.type === "reversal"
          ? "reversed"
          : transaction.type === "settlement"
            ? "settled"
            : null;
      const original = mark
        ? await markOriginal(tx, deps.mode, transaction.originalTransactionId, mark)
        : undefined;
      if (original) {
        await emitEvent(tx, {
          ...base,
          type: "transaction.updated",
          data: presentTransaction(original),
        });
      }
    }
    if (created && transaction.cardAvailableMinor !== null) {
      await noteCardBalance(tx, card.id, transaction.cardAvailableMinor, transaction.occurredAt);
    }
    return { result: created ? "recorded" : "updated", row };
  });
}
