import { minorToNumber } from "../../core/money.ts";
import type { TransactionRow } from "./repo.ts";
import type { TransactionView } from "./schemas.ts";

/** A card transaction as the API and its events show it (the shape is schemas.ts's transactionSchema). */
export function presentTransaction(row: TransactionRow): TransactionView {
  return {
    id: row.id,
    cardId: row.card_id,
    type: row.type,
    status: row.status,
    amount: minorToNumber(row.amount, row.currency),
    currency: row.currency,
    billingAmount: minorToNumber(row.billing_amount, row.billing_currency),
    billingCurrency: row.billing_currency,
    merchant: row.merchant,
    declineReason: row.decline_reason,
    issuerTransactionId: row.issuer_transaction_id,
    originalTransactionId: row.original_transaction_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    postedAt: row.posted_at ? new Date(row.posted_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export type { TransactionView } from "./schemas.ts";
