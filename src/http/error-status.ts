import type { ErrorCode } from "../core/errors.ts";

/** The one table from error code to HTTP status (the contract's error table, plus our additions). */
export const errorStatus: Record<ErrorCode, number> = {
  validation_error: 400,
  invalid_credentials: 401,
  insufficient_balance: 402,
  not_found: 404,
  cardholder_under_verification: 409,
  duplicate_cardholder: 409,
  card_not_active: 409,
  kyc_already_decided: 409,
  invalid_card_state: 409,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  cardholder_rejected: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  upstream_rejected: 502,
  upstream_unavailable: 503,
};
