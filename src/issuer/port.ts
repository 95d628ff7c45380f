/**
 * The issuer port: what Cardrail's core needs from an upstream card issuer, in the core's own
 * terms. UQPay is one implementation (src/issuer/uqpay/adapter.ts); a second issuer is a new
 * adapter behind this interface, never a change to the core.
 *
 * Amounts cross this boundary as integer minor units (bigint) with an ISO 4217 currency; the
 * adapter converts to whatever the issuer speaks on the wire.
 */

import type { Mode } from "../db/schema.ts";
import type {
  CardAmount,
  CardControls,
  CardStatusChange,
  IssuerCapabilities,
  IssuerOrder,
  IssuerSimulation,
  IssuerTransaction,
  TransactionPage,
  TransactionQuery,
} from "./port-card-program.ts";

export * from "./port-card-program.ts";

export type KycDocumentType = "passport" | "id_card" | "drivers_license";

export interface KycFile {
  bytes: Buffer;
  /** Sniffed from content, never from the client's name or MIME type. */
  mime: "image/jpeg" | "image/png" | "application/pdf";
}

export interface SubmitCardholderInput {
  email: string;
  firstName: string;
  lastName: string;
  /** ISO 3166-1 alpha-2, upper case. */
  countryCode: string;
  /** Digits only, without the country calling code. */
  mobile: string;
  /** Country calling code digits, when the tenant sent one (e.g. "91"). */
  areaCode?: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
  gender?: "MALE" | "FEMALE";
  town?: string;
  document: {
    type: KycDocumentType;
    number: string;
    issueDate?: string;
    expiryDate?: string;
    front: KycFile;
    back?: KycFile;
    selfie?: KycFile;
  };
}

/** The issuer's own KYC vocabulary (UQPay's `cardholder_status`). */
export const ISSUER_KYC_STATUSES = ["PENDING", "INCOMPLETE", "SUCCESS", "FAILED"] as const;
export type IssuerKycStatus = (typeof ISSUER_KYC_STATUSES)[number];

export interface IssuerCardholder {
  issuerCardholderId: string;
  status: IssuerKycStatus;
  /** Field names the issuer says are missing, when status is INCOMPLETE. */
  missingFields?: string[];
}

export interface IssueCardInput {
  issuerCardholderId: string;
  issuerProductId: string;
  currency: string;
  /** Loaded onto the card; integer minor units of `currency`. */
  amountMinor: bigint;
  /** Our own card id, stored with the upstream card (metadata) so recovery can find it. */
  cardRef: string;
}

export const ISSUER_CARD_STATUSES = [
  "PENDING",
  "ACTIVE",
  "FROZEN",
  "BLOCKED",
  "PRE_CANCEL",
  "CANCELLED",
  "LOST",
  "STOLEN",
  "FAILED",
] as const;
export type IssuerCardStatus = (typeof ISSUER_CARD_STATUSES)[number];

export interface IssuedCard {
  issuerCardId: string;
  issuerOrderId: string;
  status: IssuerCardStatus;
  /** The card order's state: SUCCESS/FAILED are final; PENDING/PROCESSING will change. */
  orderStatus: "PENDING" | "PROCESSING" | "SUCCESS" | "FAILED";
}

export interface IssuerCard {
  issuerCardId: string;
  status: IssuerCardStatus;
  currency: string;
  /** Masked as the issuer returns it, e.g. "************5668". Never the full number. */
  maskedNumber: string;
  /** What the card can spend now, in `currency`. */
  availableMinor: bigint;
  limitMinor: bigint;
  /** Its spend controls as the issuer reports them. */
  controls: CardControls;
}

export interface SecureCardDetails {
  cardNumber: string;
  cvv: string;
  /** MM/YY */
  expiryDate: string;
}

export interface IssuerProduct {
  issuerProductId: string;
  bin: string;
  currencies: string[];
  enabled: boolean;
  modeType: "SHARE" | "SINGLE";
  kycLevel: "SIMPLIFIED" | "STANDARD" | "ENHANCED";
}

/** Every call that creates something upstream takes an idempotency key derived from our own record. */
export interface IdempotentCall {
  /** A UUID that is the same every time we retry the same logical request. */
  idempotencyKey: string;
}

export interface CardIssuer {
  submitCardholder(input: SubmitCardholderInput, call: IdempotentCall): Promise<IssuerCardholder>;
  getCardholder(issuerCardholderId: string): Promise<IssuerCardholder>;
  /** Replaces a submitted cardholder's identity documents (after the issuer asked for them again). */
  resubmitDocuments(
    issuerCardholderId: string,
    document: SubmitCardholderInput["document"],
    call: IdempotentCall,
  ): Promise<IssuerCardholder>;
  issueCard(input: IssueCardInput, call: IdempotentCall): Promise<IssuedCard>;
  getCard(issuerCardId: string): Promise<IssuerCard>;
  getSecureDetails(issuerCardId: string): Promise<SecureCardDetails>;
  listProducts(): Promise<IssuerProduct[]>;

  /**
   * Asks for a status change; the outcome arrives as a `card_order` event (or by `getOrder`).
   * CANCELLED is final; the issuer may hold the card in PRE_CANCEL first, and returns what is on
   * it when the cancellation completes. A change the card's state does not allow is `rejected`.
   */
  changeCardStatus(
    issuerCardId: string,
    status: CardStatusChange,
    call: IdempotentCall & { reason?: string },
  ): Promise<IssuerOrder>;
  /** Loads money onto the card (from the issuer account's balance); final by event or `getOrder`. */
  rechargeCard(
    issuerCardId: string,
    amount: CardAmount,
    call: IdempotentCall,
  ): Promise<IssuerOrder>;
  /** Takes money off the card (back to the issuer account's balance); final by event or `getOrder`. */
  withdrawFromCard(
    issuerCardId: string,
    amount: CardAmount,
    call: IdempotentCall,
  ): Promise<IssuerOrder>;
  /** Reads an order back (recovery, polling). */
  getOrder(issuerOrderId: string): Promise<IssuerOrder>;
  /**
   * Changes the card's spend controls (absent fields unchanged). A control or interval outside
   * `capabilities` is `rejected` naming the field (e.g. `spendingLimits`), never dropped.
   */
  updateCardControls(
    issuerCardId: string,
    controls: CardControls,
    call: IdempotentCall,
  ): Promise<IssuerOrder>;
  /** Card transactions, a page at a time, to backfill what a webhook may have missed. */
  listTransactions(query: TransactionQuery): Promise<TransactionPage>;
  /** What this issuer can enforce. */
  readonly capabilities: IssuerCapabilities;
  /** Only where the issuer can simulate card use (the built-in simulator; UQPay's sandbox). */
  readonly simulation?: IssuerSimulation;
}

/**
 * The issuer a tenant acts through in a mode, or null when that mode has no issuer configured
 * (live without credentials: requests then get 503). Every tenant acts at the issuer through its
 * own account (issuers.ts resolves it on each call), so the core never sees another tenant's
 * people, and an issuer's "already exists" only ever speaks of the tenant's own data.
 */
export type IssuerFor = (mode: Mode, tenantId: string) => CardIssuer | null;

/**
 * How an issuer call failed, in terms the core can act on:
 * - `rejected`: the issuer definitely refused; nothing was created. Safe to refund / report.
 * - `not_found`: the object does not exist upstream.
 * - `unavailable`: the request definitely never reached the issuer (connection refused, DNS).
 * - `unknown_outcome`: the issuer may or may not have acted (timeout, 5xx, reset, garbage body).
 *   Money-moving callers must keep the idempotency key and resolve it later, never assume.
 * - `rate_limited`: 429; `retryAfterMs` when the issuer said.
 * - `auth`: our credentials were refused (misconfiguration, not the tenant's fault).
 */
export type IssuerErrorKind =
  | "rejected"
  | "not_found"
  | "unavailable"
  | "unknown_outcome"
  | "rate_limited"
  | "auth";

export class IssuerError extends Error {
  override readonly name = "IssuerError";
  constructor(
    readonly kind: IssuerErrorKind,
    message: string,
    readonly detail: {
      httpStatus?: number;
      /** The issuer's own error type/code, e.g. "invalid_request_error" / "card_not_found". */
      issuerType?: string;
      issuerCode?: string;
      /** The fields the refusal is about, translated to our contract's names (phone_number → mobile). */
      fields?: string[];
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message);
  }
}

/**
 * What an issuer's webhook tells the core, in the core's terms. Each issuer adapter turns its own
 * envelope into these; anything the core does not act on is `other` (acknowledged and recorded).
 */
export type IssuerEvent = { eventId: string; type: string } & (
  | { kind: "cardholder_status"; issuerCardholderId: string; status: IssuerKycStatus }
  | {
      kind: "card_created";
      issuerCardId: string;
      /** Our card id, when the issuer echoes the metadata we sent. */
      cardRef?: string;
      succeeded: boolean;
      status?: IssuerCardStatus;
      /** Masked: every digit but the last four is `*`, e.g. "************8664"; never a full number. */
      maskedNumber?: string;
    }
  /** A status the card reached without an order of ours (PRE_CANCEL → CANCELLED, BLOCKED…). */
  | { kind: "card_status"; issuerCardId: string; status: IssuerCardStatus }
  | {
      /**
       * An order's outcome (recharge, withdraw, status change, controls update). Each field below
       * is the issuer's word after the event, when it said: `cardStatus` is the card's status (apply
       * it as a `card_status`), `availableMinor` what the card can spend, `amountMinor` the amount
       * the order moved, all in `currency` (the card's).
       */
      kind: "card_order";
      issuerOrderId: string;
      issuerCardId: string;
      order: "recharge" | "withdraw" | "status" | "update";
      succeeded: boolean;
      cardStatus?: IssuerCardStatus;
      availableMinor?: bigint;
      amountMinor?: bigint;
      currency?: string;
    }
  /** A card transaction: authorization, reversal, settlement, refund, fee… (declined ones too). */
  | { kind: "transaction"; transaction: IssuerTransaction }
  | { kind: "other" }
);

/** A webhook as the issuer sent it: the exact bytes (its signature covers them) and its headers. */
export interface IssuerWebhook {
  rawBody: Buffer;
  header(name: string): string | undefined;
}

/**
 * How an issuer signs and shapes its webhooks. `verify` checks the raw bytes before anything is
 * parsed (with the secret configured for the mode); `parse` turns a verified JSON body into what
 * the core acts on, or null when the body is not an event at all.
 */
export interface IssuerWebhooks {
  verify(webhook: IssuerWebhook, secret: string): { ok: true } | { ok: false; reason: string };
  parse(body: unknown): IssuerEvent | null;
}
/**
 * A definite refusal: the issuer answered that it will not do this (rejected, or the thing is not
 * there). Safe to record as final; anything else (unreachable, unknown outcome, rate limited)
 * may still succeed and is retried or recovered instead.
 */
export function isIssuerRefusal(error: unknown): error is IssuerError {
  return error instanceof IssuerError && (error.kind === "rejected" || error.kind === "not_found");
}
