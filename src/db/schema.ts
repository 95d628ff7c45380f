import type { ColumnType, Generated } from "kysely";
import type { DateOnly, Mode, NullableTimestamp, Timestamp } from "./column-types.ts";
import type {
  CardMoneyOrdersTable,
  CardTransactionsTable,
  NullableJson,
  StoredControls,
  TransactionSyncTable,
} from "./schema-card-program.ts";
import type {
  LedgerAccountsTable,
  LedgerJournalHeadsTable,
  LedgerJournalStateTable,
  LedgerJournalTable,
  LedgerPostingsTable,
  LedgerTransactionsTable,
} from "./schema-ledger.ts";
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
  WebhookEventsTable,
} from "./schema-webhooks.ts";

export type { Mode } from "./column-types.ts";
export type * from "./schema-card-program.ts";
export type * from "./schema-ledger.ts";
export type * from "./schema-webhooks.ts";

/**
 * Row types for Kysely, mirroring src/db/migrations/*.sql (the SQL is the source of truth).
 * int8 columns arrive as bigint (see pool.ts); timestamps as Date.
 */

export interface TenantsTable {
  id: string;
  name: string;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  secret_hash: Buffer;
  secret_salt: Buffer;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  /** 0004: a rotated key stops authenticating at this time (null: no expiry). */
  expires_at: NullableTimestamp;
  replaced_by: string | null;
}

export interface CardProductsTable {
  mode: Mode;
  id: string;
  name: string;
  issuer: Generated<string>;
  issuer_product_id: string;
  currencies: string[];
  enabled: Generated<boolean>;
  created_at: Timestamp;
}

export interface EndUsersTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  email: string;
  first_name: string;
  last_name: string;
  country: string;
  mobile: string;
  area_code: string | null;
  town: string | null;
  gender: string | null;
  date_of_birth: DateOnly;
  created_at: Timestamp;
}

export type HolderStatus = "IN_REVIEW" | "ACTIVE" | "REJECTED";

export interface CardholdersTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  user_id: string;
  issuer: Generated<string>;
  issuer_cardholder_id: string | null;
  issuer_status: string | null;
  status: HolderStatus;
  missing_fields: string[] | null;
  kyc_doc_type: string;
  kyc_id_number: string;
  kyc_issue_date: DateOnly;
  kyc_expiry_date: DateOnly;
  submission_key: string;
  last_synced_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  submission_state: ColumnType<SubmissionState, SubmissionState | undefined, SubmissionState>;
  submission_attempts: ColumnType<number, number | undefined, number>;
  next_submission_at: NullableTimestamp;
  last_submission_error: string | null;
  /** When KYC reached a final status; document retention counts from here. */
  decided_at: NullableTimestamp;
}

export type SubmissionState = "pending" | "submitted" | "refused";

export interface InboundEventsTable {
  mode: Mode;
  event_id: string;
  event_type: string;
  received_at: Timestamp;
  processed_at: NullableTimestamp;
}

export type KycDocumentKind = "docFront" | "docBack" | "selfie";

export interface KycDocumentsTable {
  id: string;
  cardholder_id: string;
  tenant_id: string;
  mode: Mode;
  kind: KycDocumentKind;
  mime: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export type CardStatus = "creating" | "pending" | "active" | "frozen" | "cancelled" | "failed";

export interface CardsTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  cardholder_id: string;
  product_id: string;
  currency: string;
  load_amount: bigint;
  status: CardStatus;
  issuer_card_id: string | null;
  issuer_order_id: string | null;
  issuer_status: string | null;
  masked_number: string | null;
  failure_reason: string | null;
  upstream_key: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** 0010: a status change the issuer has not confirmed yet, and its order. */
  pending_status: ColumnType<PendingCardStatus | null, PendingCardStatus | null | undefined>;
  status_order_id: ColumnType<string | null, string | null | undefined>;
  status_version: ColumnType<number, number | undefined>;
  status_requested_at: NullableTimestamp;
  /** 0010: the issuer's last reported available balance (minor units), and when. */
  available_balance: ColumnType<bigint | null, bigint | null | undefined>;
  balance_synced_at: NullableTimestamp;
  /** 0010: when a cancelled card's remaining balance was credited back to the wallet. */
  balance_returned_at: NullableTimestamp;
  controls: NullableJson<StoredControls>;
}

export type PendingCardStatus = "active" | "frozen" | "cancelled";

export type RecoveryPoint = "started" | "card_created" | "order_created" | "finished";

export interface IdempotencyKeysTable {
  tenant_id: string;
  mode: Mode;
  key: string;
  request_path: string;
  request_hash: string;
  recovery_point: RecoveryPoint;
  /** 0005: the holder's fencing token (null when no request holds the key) and its lease's end. */
  lock_token: string | null;
  lease_expires_at: NullableTimestamp;
  card_id: string | null;
  /** 0010: the top-up or withdrawal the key's request recorded. */
  order_id: ColumnType<string | null, string | null | undefined>;
  outcome: unknown;
  created_at: Timestamp;
}

export interface RevealAuditTable {
  id: Generated<bigint>;
  tenant_id: string;
  mode: Mode;
  card_id: string;
  api_key_id: string;
  request_id: string;
  client_ip: string | null;
  created_at: Timestamp;
}

/** 0004: single-use reveal tokens, stored as SHA-256 only. */
export interface RevealTokensTable {
  token_hash: Buffer;
  tenant_id: string;
  mode: Mode;
  card_id: string;
  api_key_id: string;
  expires_at: Timestamp;
  redeemed_at: NullableTimestamp;
  redeemed_request_id: string | null;
  created_at: Timestamp;
}

export interface TenantIssuerAccountsTable {
  tenant_id: string;
  mode: Mode;
  /** null: the issuer's master account. */
  account_id: string | null;
  created_at: Timestamp;
}

export interface TestIssuerTable {
  id: Generated<boolean>;
  client_id: string;
  api_key: string;
  webhook_secret: string;
  url: string | null;
  admin_token: string | null;
  leader_pid: number | null;
  state: string | null;
  updated_at: Timestamp;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  card_products: CardProductsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_postings: LedgerPostingsTable;
  ledger_journal_heads: LedgerJournalHeadsTable;
  ledger_journal: LedgerJournalTable;
  ledger_journal_state: LedgerJournalStateTable;
  end_users: EndUsersTable;
  cardholders: CardholdersTable;
  cards: CardsTable;
  idempotency_keys: IdempotencyKeysTable;
  reveal_audit: RevealAuditTable;
  reveal_tokens: RevealTokensTable;
  inbound_events: InboundEventsTable;
  kyc_documents: KycDocumentsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  tenant_issuer_accounts: TenantIssuerAccountsTable;
  test_issuer: TestIssuerTable;
  card_money_orders: CardMoneyOrdersTable;
  card_transactions: CardTransactionsTable;
  transaction_sync: TransactionSyncTable;
}
