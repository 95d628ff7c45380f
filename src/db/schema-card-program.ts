import type { ColumnType } from "kysely";
import type { Mode, NullableTimestamp, Timestamp } from "./column-types.ts";

/** Row types of the card-program tables (0010_card_program.sql); part of the Database in schema.ts. */

/** json columns: written as text (JSON.stringify), read back parsed. */
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export type MoneyOrderKind = "top_up" | "withdrawal";
export type MoneyOrderStatus = "creating" | "pending" | "succeeded" | "failed";

export interface CardMoneyOrdersTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  card_id: string;
  kind: MoneyOrderKind;
  amount: bigint;
  currency: string;
  status: MoneyOrderStatus;
  upstream_key: string;
  issuer_order_id: string | null;
  failure_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type CardTransactionType =
  | "authorization"
  | "reversal"
  | "settlement"
  | "refund"
  | "fee"
  | "other";
export type CardTransactionStatus = "pending" | "approved" | "declined" | "reversed" | "settled";

export interface StoredMerchant {
  name: string;
  mcc: string;
  city: string | null;
  country: string | null;
}

export interface CardTransactionsTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  card_id: string;
  issuer_transaction_id: string;
  original_transaction_id: string | null;
  type: CardTransactionType;
  status: CardTransactionStatus;
  amount: bigint;
  currency: string;
  billing_amount: bigint;
  billing_currency: string;
  merchant: NullableJson<StoredMerchant>;
  decline_reason: string | null;
  occurred_at: Timestamp;
  posted_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Spend controls as stored on a card (minor units), in our own terms. */
export interface StoredControls {
  spendingLimits?: { amount: string; interval: string }[];
  allow3dsTransactions?: boolean;
  enable3ds?: boolean;
  allowedMcc?: string[] | null;
  blockedMcc?: string[] | null;
}

export type { Json, NullableJson };

export interface TransactionSyncTable {
  tenant_id: string;
  mode: Mode;
  synced_to: Timestamp;
  next_run_at: Timestamp;
  last_error: string | null;
}
