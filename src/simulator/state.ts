/** In-memory state of the simulated UQPay account, plus its JSON snapshot format. */
import { randomUUID } from "node:crypto";

export type KycStatus = "PENDING" | "SUCCESS" | "INCOMPLETE" | "FAILED";
export type CardStatus =
  | "PENDING"
  | "ACTIVE"
  | "FROZEN"
  | "BLOCKED"
  | "PRE_CANCEL"
  | "CANCELLED"
  | "LOST"
  | "STOLEN"
  | "FAILED";
export type OrderStatus = "PENDING" | "PROCESSING" | "SUCCESS" | "FAILED";
export type OrderType = "CARD_CREATE" | "CARD_RECHARGE" | "CARD_WITHDRAW" | "CARD_UPDATE";

export interface Cardholder {
  cardholder_id: string;
  email: string;
  first_name: string;
  last_name: string;
  country_code: string;
  phone_number: string;
  date_of_birth?: string;
  gender?: string;
  nationality?: string;
  residential_address?: Record<string, unknown>;
  delivery_address?: Record<string, unknown>;
  identity?: { type: string; number: string; has_back: boolean; has_hand: boolean };
  kyc_verification?: Record<string, unknown>;
  document_type?: string;
  has_document: boolean;
  /** INCOMPLETE: what the review asks for again, in the kyc_insufficient `missing_fields` shape. */
  missing_fields?: MissingField[];
  /** SUMSUB_REDIRECT: the hosted IDV link handed back on create/update. */
  idv?: { url: string; expires_at: number };
  cardholder_status: KycStatus;
  create_time: number;
  update_time: number;
}

export interface MissingField {
  name: string;
  type: "string" | "object";
  required: boolean;
  description?: string;
}

export interface Card {
  card_id: string;
  card_product_id: string;
  cardholder_id: string;
  card_currency: string;
  card_number: string;
  cvv: string;
  expire_date: string;
  card_status: CardStatus;
  mode_type: "SHARE" | "SINGLE";
  card_bin: string;
  card_scheme: string;
  form_factor: "VIRTUAL" | "PHYSICAL";
  /** cents; SINGLE: the amount loaded; SHARE: the spending cap (0 = no cap). */
  card_limit: number;
  /** cents held on a SINGLE card. Unused for SHARE. */
  balance: number;
  consumed: number;
  name_on_card?: string;
  no_pin_payment_amount: number;
  spending_controls: { amount: number; interval: string }[];
  risk_controls: Record<string, unknown>;
  metadata: Record<string, unknown>;
  usage_type: "NORMAL" | "ONE_TIME";
  auto_cancel_trigger?: string;
  expiry_at?: string;
  update_reason: string;
  create_time: number;
  update_time: number;
  create_order_id: string;
  /** fail_after_success fault: the create order will FAIL instead of succeeding. */
  fail_on_activate: boolean;
  /** One-step create whose cardholder is still in KYC review. */
  awaiting_kyc: boolean;
}

export interface CardOrder {
  card_order_id: string;
  card_id: string;
  order_type: OrderType;
  amount: number;
  card_currency: string;
  create_time: number;
  update_time: number;
  complete_time: number | null;
  order_status: OrderStatus;
  /** For status orders: the status being applied (drives the webhook). */
  target_status?: CardStatus;
  /** elevate_limit request: the card_limit (cents) applied when the order completes. */
  elevate_limit?: number;
  /** fail_after_success fault: the order ends FAILED and its effect is undone. */
  fail?: boolean;
  /** Card fields to restore when a failing update/recharge/withdraw order completes. */
  revert?: Partial<Card>;
  /** Cents to give back to the issuing balance when the order fails (negative: take back). */
  revert_issuing?: number;
}

export interface Balance {
  balance_id: string;
  currency: string;
  available: number;
  margin: number;
  frozen: number;
  create_time: number;
  last_trade_time: number;
}

export interface BalanceTx {
  transaction_id: string;
  short_transaction_id: string;
  balance_id: string;
  transaction_type: string;
  currency: string;
  amount: number;
  create_time: number;
  complete_time: number;
  transaction_status: string;
  ending_balance: number;
  description: string;
}

export interface CardTx {
  transaction_id: string;
  short_transaction_id: string;
  original_transaction_id: string;
  card_id: string;
  transaction_type: string;
  transaction_status: "APPROVED" | "DECLINED";
  transaction_amount: number;
  transaction_currency: string;
  billing_amount: number;
  billing_currency: string;
  card_available_balance: number;
  authorization_code: string;
  merchant: { name: string; category_code: string; city: string; country: string };
  description: string;
  time: number;
  /** An authorization: reversed or settled, so it can no longer be reversed. */
  reversed: boolean;
  /** An authorization: the cents it settled for (admin settle), once settled. */
  settled_amount?: number;
  /** An authorization: the cents merchants have refunded of it so far (admin refund). */
  refunded?: number;
}

export interface Transfer {
  transfer_id: string;
  source_account_id: string;
  destination_account_id: string;
  currency: string;
  amount: number;
  remark: string;
  transfer_status: "PENDING" | "FAILED" | "COMPLETED";
  create_time: number;
}

export interface Report {
  report_id: string;
  report_type: string;
  start_time: number;
  end_time: number;
  create_time: number;
}

export interface IdemEntry {
  hash: string;
  status: number;
  body: string;
  contentType: string;
  at: number;
  /** True while the first request is still running. */
  pending: boolean;
}

export type JobKind = "kyc" | "card_activate" | "order_complete" | "card_cancel";
export interface Job {
  id: string;
  kind: JobKind;
  dueAt: number;
  ref: string;
  /** The sub-account the job acts for (absent: the master account). */
  account?: string;
  data?: Record<string, unknown>;
}

export interface Snapshot {
  version: 1;
  accountId: string;
  rngState: number;
  cardholders: Cardholder[];
  cards: Card[];
  orders: CardOrder[];
  balances: Balance[];
  balanceTxs: BalanceTx[];
  cardTxs: CardTx[];
  idem: [string, IdemEntry][];
  jobs: Job[];
  /** Added later: absent in older snapshots. */
  transfers?: Transfer[];
  reports?: Report[];
  /** Each sub-account's own data (its idem and jobs stay empty: those live in the master's). */
  subAccounts?: Snapshot[];
}

export class SimState {
  accountId: string = randomUUID();
  cardholders = new Map<string, Cardholder>();
  cards = new Map<string, Card>();
  orders = new Map<string, CardOrder>();
  balances = new Map<string, Balance>();
  balanceTxs: BalanceTx[] = [];
  cardTxs = new Map<string, CardTx>();
  idem = new Map<string, IdemEntry>();
  jobs = new Map<string, Job>();
  transfers = new Map<string, Transfer>();
  reports = new Map<string, Report>();

  clear(): void {
    this.transfers.clear();
    this.reports.clear();
    this.cardholders.clear();
    this.cards.clear();
    this.orders.clear();
    this.balances.clear();
    this.balanceTxs = [];
    this.cardTxs.clear();
    this.idem.clear();
    this.jobs.clear();
  }

  toSnapshot(rngState: number): Snapshot {
    return {
      version: 1,
      accountId: this.accountId,
      rngState,
      cardholders: [...this.cardholders.values()],
      cards: [...this.cards.values()],
      orders: [...this.orders.values()],
      balances: [...this.balances.values()],
      balanceTxs: this.balanceTxs,
      cardTxs: [...this.cardTxs.values()],
      // In-flight entries are not worth keeping: the request that owned them died with us.
      idem: [...this.idem.entries()].filter(([, e]) => !e.pending),
      jobs: [...this.jobs.values()],
      transfers: [...this.transfers.values()],
      reports: [...this.reports.values()],
    };
  }

  load(s: Snapshot): void {
    this.clear();
    this.accountId = s.accountId;
    for (const c of s.cardholders) this.cardholders.set(c.cardholder_id, c);
    for (const c of s.cards) this.cards.set(c.card_id, c);
    for (const o of s.orders) this.orders.set(o.card_order_id, o);
    for (const b of s.balances) this.balances.set(b.currency, b);
    this.balanceTxs = s.balanceTxs;
    for (const t of s.cardTxs) this.cardTxs.set(t.transaction_id, t);
    for (const [k, e] of s.idem) this.idem.set(k, e);
    for (const j of s.jobs) this.jobs.set(j.id, j);
    for (const t of s.transfers ?? []) this.transfers.set(t.transfer_id, t);
    for (const r of s.reports ?? []) this.reports.set(r.report_id, r);
  }
}
