import { z } from "zod";
import type { ErrorCode } from "../core/errors.ts";
import { errorStatus } from "./error-status.ts";

/**
 * Building blocks for the `response` part of route schemas: the error envelope per status, with
 * exactly the codes a route can answer (statuses from error-status.ts, so the two cannot disagree).
 * Every answer is checked against its route's schemas on the way out (`responseSerializer`).
 */

const EXAMPLE_MESSAGES: Record<ErrorCode, string> = {
  validation_error: "Invalid request: loadAmount",
  invalid_credentials: "Invalid API credentials",
  insufficient_balance: "Insufficient wallet balance: USD 12.50 available, 20.00 needed",
  not_found: "Cardholder not found",
  cardholder_under_verification: "The cardholder is still under verification (IN_REVIEW)",
  duplicate_cardholder: "A cardholder with this email already exists",
  card_not_active: "The card is not active yet; retry shortly",
  kyc_already_decided: "KYC for this cardholder has already been decided",
  invalid_card_state: "This card cannot change status: a cancelled card cannot be unfrozen",
  idempotency_key_in_use: "A request with this Idempotency-Key is still in progress",
  payload_too_large: "The request body is too large",
  unsupported_media_type: "Unsupported Content-Type for this endpoint",
  cardholder_rejected: "The cardholder was rejected by KYC",
  idempotency_key_reused: "This Idempotency-Key was used with a different request",
  rate_limited: "Too many requests: at most 6000 per minute for this key",
  internal_error: "Internal error; it has been logged with this requestId",
  upstream_rejected: "The issuer refused the request",
  upstream_unavailable: "The issuer is unavailable; retry later",
};

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid input: `details` lists each offending field",
  401: "Missing or invalid credentials",
  402: "The wallet cannot cover the amount",
  404: "Not found (or not visible to this key)",
  409: "Conflict with the current state",
  413: "Body or a file over its limit",
  415: "Wrong Content-Type",
  422: "Refused for good: do not retry unchanged",
  429: "Rate limited: wait `Retry-After` seconds",
  500: "A bug on our side; quote the requestId",
  502: "The issuer refused the request",
  503: "Temporarily unavailable; retry with backoff",
};

export const fieldIssueSchema = z
  .object({
    field: z.string().meta({ description: "The request's own field name, e.g. `loadAmount`" }),
    message: z.string(),
  })
  .meta({ id: "FieldIssue" });

export const balanceShortfallSchema = z
  .object({
    available: z.number().meta({ description: "The wallet's balance in major units" }),
    required: z.number().meta({ description: "What the request needed, in major units" }),
    currency: z.string(),
  })
  .meta({ id: "BalanceShortfall" });

/** What `error.details` holds at a status: field problems, a shortfall, or context about the error. */
function detailsFor(status: number) {
  if (status === 400 || status === 413) {
    return z
      .array(fieldIssueSchema)
      .optional()
      .meta({ description: "Per-field problems, on validation_error and payload_too_large" });
  }
  if (status === 409) {
    // duplicate_cardholder names the field and the tenant's own cardholder that has it; other
    // conflicts carry context (e.g. the card's status).
    return z
      .union([
        z.array(fieldIssueSchema.extend({ holderId: z.string().optional() })),
        z.record(z.string(), z.unknown()),
      ])
      .optional()
      .meta({ description: "duplicate_cardholder: the field and your cardholder that has it" });
  }
  if (status === 402) {
    return balanceShortfallSchema
      .optional()
      .meta({ description: "What was there and what was needed" });
  }
  return z.record(z.string(), z.unknown()).optional().meta({
    description: "Context, e.g. the cardId and status of a card whose issuance is unconfirmed",
  });
}

/** The error envelope for one status, with the codes a route can answer at that status. */
function envelope(status: number, codes: [ErrorCode, ...ErrorCode[]]) {
  const first = codes[0];
  const example = {
    success: false,
    error: {
      code: first,
      message: EXAMPLE_MESSAGES[first],
      ...(first === "validation_error"
        ? { details: [{ field: "loadAmount", message: "must be greater than 0" }] }
        : first === "insufficient_balance"
          ? { details: { available: 12.5, required: 20, currency: "USD" } }
          : {}),
    },
    requestId: "req_4f1c2a9e-7d3b-4e8f-9a61-0c5d2b7e8f10",
  };
  return z
    .object({
      success: z.literal(false),
      error: z.object({
        code: z.enum(codes),
        message: z
          .string()
          .meta({ description: "For the integrator; may change, match on `code`" }),
        details: detailsFor(status),
      }),
      requestId: z.string().meta({ description: "Also in the X-Request-Id header" }),
    })
    .meta({ description: STATUS_TEXT[status] ?? "Error", examples: [example] });
}

/** Every route under /api/v1 can answer these (authentication, rate limits, malformed requests, bugs). */
export const COMMON_ERRORS: ErrorCode[] = [
  "validation_error",
  "invalid_credentials",
  "rate_limited",
  "internal_error",
];
/** Routes that read a body can also refuse it for its size or type. */
export const BODY_ERRORS: ErrorCode[] = ["payload_too_large", "unsupported_media_type"];

/** `response` entries for these codes, grouped by their status. */
export function errorResponses(...codes: ErrorCode[]): Record<number, z.ZodType> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = errorStatus[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, z.ZodType> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = envelope(status, list as [ErrorCode, ...ErrorCode[]]);
  }
  return responses;
}

/** The errors of an authenticated /api/v1 route, plus its own codes. */
export const apiErrors = (...codes: ErrorCode[]) => errorResponses(...COMMON_ERRORS, ...codes);

/** A success body documented with one example. */
export const example = <T extends z.ZodType>(schema: T, description: string, value: unknown): T =>
  schema.meta({ description, examples: [value] }) as T;

/**
 * `success: true`. Typed as boolean because handlers build plain object literals (a literal type
 * would need `as const` in each); documented as the constant it is.
 */
export const succeeded = () => z.boolean().meta({ const: true });

/** A timestamp: a Date on the way out (JSON turns it into ISO 8601), documented as date-time. */
export const timestamp = () =>
  z.preprocess(
    (value) => (value instanceof Date ? value.toISOString() : value),
    z.iso.datetime(),
  ) as unknown as z.ZodType<Date | string>;
