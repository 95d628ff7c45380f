/**
 * The one error type the core raises. Codes form a closed list; the HTTP layer maps each code to
 * one status (src/http/error-status.ts). Messages are written for the integrator reading them.
 */

export type ErrorCode =
  | "invalid_credentials"
  | "insufficient_balance"
  | "not_found"
  | "cardholder_under_verification"
  | "cardholder_rejected"
  | "validation_error"
  | "duplicate_cardholder"
  | "card_not_active"
  | "kyc_already_decided"
  | "invalid_card_state"
  | "idempotency_key_reused"
  | "idempotency_key_in_use"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "upstream_rejected"
  | "upstream_unavailable"
  | "internal_error";

/** One offending input field: `field` uses the contract's own names (e.g. `loadAmount`, `docFront`). */
export interface FieldIssue {
  field: string;
  message: string;
}

export class CardrailError extends Error {
  override readonly name = "CardrailError";
  /** True when this is an idempotent replay of a stored outcome (the response says so in a header). */
  replayed = false;
  /** Set on a replayed error: the requestId the first answer carried, which the replay repeats. */
  originalRequestId?: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function validationError(issues: FieldIssue[]): CardrailError {
  const fields = [...new Set(issues.map((i) => i.field))];
  return new CardrailError(
    "validation_error",
    `Invalid request: ${fields.join(", ")}`,
    issues.map(({ field, message }) => ({ field, message })),
  );
}

export const notFound = (what: string) => new CardrailError("not_found", `${what} not found`);
