import type { ColumnType, Generated } from "kysely";
import type { Mode, Timestamp } from "./column-types.ts";

/** Row types of the double-entry ledger and its journal (0001, 0008, 0010); part of the Database in schema.ts. */

export type LedgerAccountKind = "wallet" | "funding" | "cards_in_flight" | "cards_loaded";
export type LedgerTransactionKind =
  | "funding"
  | "card_debit"
  | "card_loaded"
  | "card_refund"
  | "top_up_debit"
  | "top_up_loaded"
  | "top_up_refund"
  | "card_withdrawal"
  | "card_return";

export interface LedgerAccountsTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  currency: string;
  kind: LedgerAccountKind;
  balance: Generated<bigint>;
}

export interface LedgerTransactionsTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  currency: string;
  kind: LedgerTransactionKind;
  reference: string;
  amount: bigint;
  card_id: string | null;
  memo: string | null;
  created_at: Timestamp;
}

export interface LedgerPostingsTable {
  transaction_id: string;
  account_id: string;
  amount: bigint;
  /** 0010: the account's balance once this posting applied (set by the posting trigger). */
  balance_after: ColumnType<bigint | null, never, never>;
}

/** The ledger's hash-chained witness (0008_ledger_journal.sql), one chain per book. */
export interface LedgerJournalHeadsTable {
  tenant_id: string;
  mode: Mode;
  currency: string;
  seq: bigint;
  hash: string;
}

export interface LedgerJournalTable {
  tenant_id: string;
  mode: Mode;
  currency: string;
  seq: bigint;
  transaction_id: string;
  content: string;
  prev_hash: string;
  hash: string;
}

export interface LedgerJournalStateTable {
  id: Generated<boolean>;
  key_check: string | null;
  backfilled: Generated<boolean>;
}
