/**
 * The issuer port, part two: what running a card program needs from an issuer once a card exists
 * (status changes, money on and off cards, spend controls, card transactions). Plain data types in
 * the core's terms; the operations are on `CardIssuer` in port.ts, which re-exports all of this.
 *
 * Money is integer minor units (bigint) of the ISO 4217 currency named next to it; a spending limit
 * is in the card's own currency.
 */

/** The statuses a card program may ask for. CANCELLED is final (the issuer may first hold the card in PRE_CANCEL). */
export type CardStatusChange = "ACTIVE" | "FROZEN" | "CANCELLED";

/** An issuer order's state: SUCCESS/FAILED are final; PENDING/PROCESSING will change (webhook or getOrder). */
export type IssuerOrderStatus = "PENDING" | "PROCESSING" | "SUCCESS" | "FAILED";

/**
 * Something the issuer does asynchronously for one card. Its final state arrives as a `card_order`
 * event, or by polling `getOrder(issuerOrderId)`.
 */
export interface IssuerOrder {
  issuerOrderId: string;
  issuerCardId: string;
  /**
   * What the order does. `getOrder` can only tell what the issuer's own order type says: UQPay has
   * no order type for status changes, so a status order read back by `getOrder` is `update`.
   */
  kind: "create" | "recharge" | "withdraw" | "status" | "update";
  status: IssuerOrderStatus;
  /** recharge/withdraw: the amount moved, in `currency` (the card's). */
  amountMinor?: bigint;
  currency?: string;
}

/**
 * Spending-limit intervals the issuer's documentation CONFIRMS. UQPay's v1.6 docs show only
 * PER_TRANSACTION (DAILY…ALL_TIME appear only in SDKs: unconfirmed, so not offered).
 */
export type SpendingInterval = "PER_TRANSACTION";

/** A cap on spending: `amountMinor` in the card's currency, per `interval`. */
export interface SpendingLimit {
  amountMinor: bigint;
  interval: SpendingInterval;
}

/**
 * A card's spend controls. On update an absent field stays as it is; on a read it is absent when
 * the issuer did not report it. `allowedMcc` and `blockedMcc` exclude each other (the issuer
 * refuses both non-empty at once): send the other as null to switch. MCCs are 4-digit strings.
 */
export interface CardControls {
  /** The whole list: an update replaces it (an empty list removes every limit). */
  spendingLimits?: SpendingLimit[];
  /** Whether 3-D Secure transactions are allowed at all (issuer default: yes). */
  allow3dsTransactions?: boolean;
  /** Whether 3-D Secure is enabled on the card (UQPay: Visa only; not every BIN supports it). */
  enable3ds?: boolean;
  /** Only these merchant categories may charge the card; null removes the list. */
  allowedMcc?: string[] | null;
  /** These merchant categories may not charge the card; null removes the list. */
  blockedMcc?: string[] | null;
}

export type IssuerTransactionType =
  | "authorization"
  | "reversal"
  | "settlement"
  | "refund"
  | "fee"
  /** Anything else the issuer reports (UQPay: validation, chargeback, ATM deposit, fund collection…). */
  | "other";

/**
 * `declined`: the issuer refused it (any type). `settled`: a settlement. `reversed`: the issuer
 * itself says so. `pending`: the issuer says it is not final, or sent a status we do not know.
 * Every other accepted transaction is `approved` (a reversal, refund or fee included); that an
 * authorization was later reversed or settled is told by the later transaction, whose
 * `originalTransactionId` names it.
 */
export type IssuerTransactionStatus = "pending" | "approved" | "declined" | "reversed" | "settled";

export interface IssuerTransaction {
  issuerTransactionId: string;
  issuerCardId: string;
  /** The transaction this one reverses, settles or refunds, when the issuer says. */
  originalTransactionId: string | null;
  type: IssuerTransactionType;
  status: IssuerTransactionStatus;
  /** The transaction's own amount and currency (the merchant's). Always ≥ 0: the type says the direction. */
  amountMinor: bigint;
  currency: string;
  /** What it costs the card, in the card's (billing) currency. */
  billingAmountMinor: bigint;
  billingCurrency: string;
  merchant: { name: string; mcc: string; city: string | null; country: string | null } | null;
  /** The issuer's reason, when declined (e.g. "1116 - Insufficient Funds"). */
  declineReason: string | null;
  occurredAt: Date;
  postedAt: Date | null;
  /** The card's available balance right after it, in the billing currency, when the issuer says. */
  cardAvailableMinor: bigint | null;
}

/** An amount moved onto or off a card: minor units of `currency`, which must be the card's. */
export interface CardAmount {
  amountMinor: bigint;
  currency: string;
}

/**
 * Card transactions in [from, to], newest first, one page at a time: page ≥ 1, pageSize 10–100
 * (UQPay's bounds). Without `issuerCardId`, every card of the account.
 */
export interface TransactionQuery {
  issuerCardId?: string;
  from: Date;
  to: Date;
  page: number;
  pageSize: number;
}

export interface TransactionPage {
  items: IssuerTransaction[];
  hasMore: boolean;
}

/** What an issuer can enforce, so the API refuses (400, naming the field) what it cannot. */
export interface IssuerCapabilities {
  spendingIntervals: readonly SpendingInterval[];
  controls: readonly (keyof CardControls)[];
}

/** A simulated card use at a merchant (test helpers). */
export interface SimulatedAuthorization {
  issuerCardId: string;
  /** In `currency`, which may differ from the card's (the issuer converts to the billing currency). */
  amountMinor: bigint;
  currency: string;
  merchant: { name: string; mcc: string; country?: string; city?: string };
}

/**
 * Card use simulated by the issuer, where it can (the built-in simulator, UQPay's sandbox). Each
 * call makes a new transaction (no idempotency key: these drive tests, they move no real money).
 * A decline is a transaction with status `declined`, not an error.
 */
export interface IssuerSimulation {
  authorize(input: SimulatedAuthorization): Promise<IssuerTransaction>;
  /** Reverses an approved authorization: the new reversal transaction. */
  reverse(issuerTransactionId: string): Promise<IssuerTransaction>;
  /** Settles an approved authorization for its amount: the new settlement. Built-in simulator only. */
  settle?(issuerTransactionId: string): Promise<IssuerTransaction>;
  /** Refunds a settled (or approved) purchase in full: the new refund. Built-in simulator only. */
  refund?(issuerTransactionId: string): Promise<IssuerTransaction>;
}
