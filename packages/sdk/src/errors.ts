import type { ErrorCode } from "./api.ts";
import type { FieldIssue } from "./types.ts";

export type { ErrorCode } from "./api.ts";

export interface CardrailErrorInit {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  requestId?: string | undefined;
  retryAfterSeconds?: number | undefined;
  idempotencyKey?: string | undefined;
}

/**
 * An error answer from the Cardrail API: `status`, `code` (see {@link ErrorCode}), `message`,
 * `details` and the `requestId` to quote to support. Each code has its own subclass, so both
 * `err instanceof InsufficientBalanceError` and `switch (err.code)` work.
 * `code` is `"unexpected_response"` for an answer that is not Cardrail's envelope (e.g. a proxy's page).
 */
export class CardrailError extends Error {
  override name = "CardrailError";
  readonly status: number;
  readonly code: ErrorCode | "unexpected_response";
  /** The code exactly as the server sent it (a newer server may send one this SDK does not know). */
  readonly rawCode: string;
  readonly details: unknown;
  readonly requestId: string | undefined;
  /** From the `Retry-After` header, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;
  /** For `cards.create`: the Idempotency-Key that was sent; retry with it to resume or replay. */
  readonly idempotencyKey: string | undefined;

  constructor(init: CardrailErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = Object.hasOwn(classes, init.code)
      ? (init.code as ErrorCode)
      : "unexpected_response";
    this.rawCode = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.idempotencyKey = init.idempotencyKey;
  }
}

/** 401: missing, unknown, revoked or mismatched keys. */
export class InvalidCredentialsError extends CardrailError {
  override name = "InvalidCredentialsError";
  declare readonly code: "invalid_credentials";
}
/** 402: the wallet cannot pay `loadAmount`. Nothing was debited; the Idempotency-Key is free again. */
export class InsufficientBalanceError extends CardrailError {
  override name = "InsufficientBalanceError";
  declare readonly code: "insufficient_balance";
}
/** 404: unknown id, or another tenant's or the other mode's. */
export class NotFoundError extends CardrailError {
  override name = "NotFoundError";
  declare readonly code: "not_found";
}
/** 409: the cardholder is still IN_REVIEW; use `cardholders.waitForActive` first. */
export class CardholderUnderVerificationError extends CardrailError {
  override name = "CardholderUnderVerificationError";
  declare readonly code: "cardholder_under_verification";
}
/**
 * KYC rejected the cardholder: a 422 from `POST /cards`, or `cardholders.waitForActive` seeing
 * `REJECTED` (then `status` is the 200 of the status poll and `holderId` is set).
 */
export class CardholderRejectedError extends CardrailError {
  override name = "CardholderRejectedError";
  declare readonly code: "cardholder_rejected";
  readonly holderId: string | undefined;
  constructor(init: CardrailErrorInit & { holderId?: string }) {
    super(init);
    this.holderId = init.holderId;
  }
}
/** 400: bad or missing fields. `fields` lists each offending field with its message. */
export class ValidationError extends CardrailError {
  override name = "ValidationError";
  declare readonly code: "validation_error";
  get fields(): FieldIssue[] {
    return fieldIssues(this.details);
  }
}
/** 409: the email is already used by one of this tenant's cardholders; `holderId` names it. */
export class DuplicateCardholderError extends CardrailError {
  override name = "DuplicateCardholderError";
  declare readonly code: "duplicate_cardholder";
  get holderId(): string | undefined {
    return fieldIssues(this.details).find((f) => f.holderId)?.holderId;
  }
}
/** 409: reveal of a card still being issued (`details.status` pending/creating) or failed. */
export class CardNotActiveError extends CardrailError {
  override name = "CardNotActiveError";
  declare readonly code: "card_not_active";
}
/** 409: the cardholder is already ACTIVE: no documents are needed. */
export class KycAlreadyDecidedError extends CardrailError {
  override name = "KycAlreadyDecidedError";
  declare readonly code: "kyc_already_decided";
}
/** 409: the card's state does not allow this (e.g. unfreezing a cancelled card, topping up a frozen one). */
export class InvalidCardStateError extends CardrailError {
  override name = "InvalidCardStateError";
  declare readonly code: "invalid_card_state";
}
/** 422: this Idempotency-Key was already used with a different request. Use a new key. */
export class IdempotencyKeyReusedError extends CardrailError {
  override name = "IdempotencyKeyReusedError";
  declare readonly code: "idempotency_key_reused";
}
/** 409: the first request with this key is still running (the SDK retries this itself). */
export class IdempotencyKeyInUseError extends CardrailError {
  override name = "IdempotencyKeyInUseError";
  declare readonly code: "idempotency_key_in_use";
}
/** 413: a file or the whole upload is over the server's limits. */
export class PayloadTooLargeError extends CardrailError {
  override name = "PayloadTooLargeError";
  declare readonly code: "payload_too_large";
}
/** 415: wrong Content-Type for the endpoint. */
export class UnsupportedMediaTypeError extends CardrailError {
  override name = "UnsupportedMediaTypeError";
  declare readonly code: "unsupported_media_type";
}
/** 429: too many requests; `retryAfterSeconds` says when to come back (the SDK retries this itself). */
export class RateLimitedError extends CardrailError {
  override name = "RateLimitedError";
  declare readonly code: "rate_limited";
}
/** 502: the card issuer refused. For a card, the debit has been refunded. */
export class UpstreamRejectedError extends CardrailError {
  override name = "UpstreamRejectedError";
  declare readonly code: "upstream_rejected";
}
/**
 * 503: the card issuer could not be reached or did not confirm in time. For `POST /cards`,
 * `details.cardId` names the card whose amount is held: retry with the same Idempotency-Key
 * (`err.idempotencyKey` is set by `cards.create`) to resume it.
 */
export class UpstreamUnavailableError extends CardrailError {
  override name = "UpstreamUnavailableError";
  declare readonly code: "upstream_unavailable";
}
/** 500: a bug on the server; quote `requestId`. */
export class InternalServerError extends CardrailError {
  override name = "InternalServerError";
  declare readonly code: "internal_error";
}

/**
 * The class for each code. Keyed by the generated `ErrorCode` union, so a code added to the
 * contract fails the type check here until it has its class (and the README's table, by test).
 */
const classes: Record<ErrorCode, new (init: CardrailErrorInit) => CardrailError> = {
  invalid_credentials: InvalidCredentialsError,
  insufficient_balance: InsufficientBalanceError,
  not_found: NotFoundError,
  cardholder_under_verification: CardholderUnderVerificationError,
  cardholder_rejected: CardholderRejectedError,
  validation_error: ValidationError,
  duplicate_cardholder: DuplicateCardholderError,
  card_not_active: CardNotActiveError,
  kyc_already_decided: KycAlreadyDecidedError,
  invalid_card_state: InvalidCardStateError,
  idempotency_key_reused: IdempotencyKeyReusedError,
  idempotency_key_in_use: IdempotencyKeyInUseError,
  payload_too_large: PayloadTooLargeError,
  unsupported_media_type: UnsupportedMediaTypeError,
  rate_limited: RateLimitedError,
  upstream_rejected: UpstreamRejectedError,
  upstream_unavailable: UpstreamUnavailableError,
  internal_error: InternalServerError,
};

/** Every code the API answers with, from the contract (the keys of the class table above). */
export const ERROR_CODES = Object.keys(classes) as readonly ErrorCode[];

/** The typed error for an API answer (its subclass by code; the base class for anything else). */
export function errorFromResponse(init: CardrailErrorInit): CardrailError {
  const Class = Object.hasOwn(classes, init.code) ? classes[init.code as ErrorCode] : CardrailError;
  return new Class(init);
}

/** The request never got an answer (connection refused or reset, DNS, TLS) after the SDK's retries. */
export class CardrailConnectionError extends Error {
  override name = "CardrailConnectionError";
  /** For `cards.create`: the Idempotency-Key that was sent; retry with it, never without. */
  readonly idempotencyKey: string | undefined;
  constructor(message: string, options?: { cause?: unknown; idempotencyKey?: string | undefined }) {
    super(message, options);
    this.idempotencyKey = options?.idempotencyKey;
  }
}

/**
 * A request took longer than `timeoutMs`, or `waitForActive` ran out of time. For a request, the
 * server may still have acted on it: retry `cards.create` with the same Idempotency-Key.
 */
export class CardrailTimeoutError extends Error {
  override name = "CardrailTimeoutError";
  /** For `cards.create`: the Idempotency-Key that was sent; retry with it, never without. */
  readonly idempotencyKey: string | undefined;
  constructor(message: string, options?: { cause?: unknown; idempotencyKey?: string | undefined }) {
    super(message, options);
    this.idempotencyKey = options?.idempotencyKey;
  }
}

function fieldIssues(details: unknown): FieldIssue[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is FieldIssue =>
      typeof d === "object" && d !== null && typeof (d as FieldIssue).field === "string",
  );
}
