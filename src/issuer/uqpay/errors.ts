/**
 * Typed failures of the UQPay client. One class, discriminated by `kind`, so callers can switch
 * exhaustively and the adapter can translate to the issuer port without string matching.
 *
 * `outcomeUnknown` is the important bit: true when the upstream may have acted on a state-changing
 * request (POST) even though we got no usable answer (timeout, reset after sending, 5xx, garbage
 * body). Such a failure must never be treated as success or as a definite refusal; the caller keeps
 * the idempotency key and resolves the outcome later.
 */

export type UqpayErrorKind = "api" | "rate_limited" | "timeout" | "network" | "malformed_response";

export interface UqpayErrorDetail {
  method: string;
  /** Path with query, already redacted (a card_number filter never reaches an error message). */
  path: string;
  httpStatus?: number;
  /** Envelope `type`, e.g. "invalid_request_error"; absent for legacy bodies. */
  type?: string;
  /** Envelope `code`, e.g. "card_not_found"; a legacy numeric code is stringified. */
  code?: string;
  retryAfterMs?: number;
  /** network only: false when the request provably never left (connection refused, DNS). */
  mayHaveBeenSent?: boolean;
  outcomeUnknown: boolean;
  /** Extra structured fields of the error body (e.g. `missing_fields`), redacted. */
  body?: Record<string, unknown>;
  attempts: number;
  cause?: unknown;
}

export class UqpayError extends Error {
  override readonly name = "UqpayError";
  readonly method: string;
  readonly path: string;
  readonly httpStatus: number | undefined;
  readonly type: string | undefined;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly mayHaveBeenSent: boolean | undefined;
  readonly outcomeUnknown: boolean;
  readonly body: Record<string, unknown> | undefined;
  readonly attempts: number;

  constructor(
    readonly kind: UqpayErrorKind,
    message: string,
    detail: UqpayErrorDetail,
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.method = detail.method;
    this.path = detail.path;
    this.httpStatus = detail.httpStatus;
    this.type = detail.type;
    this.code = detail.code;
    this.retryAfterMs = detail.retryAfterMs;
    this.mayHaveBeenSent = detail.mayHaveBeenSent;
    this.outcomeUnknown = detail.outcomeUnknown;
    this.body = detail.body;
    this.attempts = detail.attempts;
  }
}

export function isUqpayError(err: unknown): err is UqpayError {
  return err instanceof UqpayError;
}

/** Messages of 401s that mean "fetch a new token and try again" (as uqpay-node does). */
const TOKEN_EXPIRED = /token has expired|login expired|token expired|jwt expired/i;

export function isTokenExpired(err: UqpayError): boolean {
  return err.kind === "api" && err.httpStatus === 401 && TOKEN_EXPIRED.test(err.message);
}

export interface ParsedErrorBody {
  type?: string;
  code?: string;
  message: string;
  extra?: Record<string, unknown>;
}

/**
 * Reads any error body without throwing: envelope A `{type, code, message}`, legacy B
 * `{code:number, message}`, the auth middleware's `{error:"…"}`, or anything else (HTML from a
 * proxy, empty, truncated JSON). Unknown shapes keep only a short, printable prefix.
 */
export function parseErrorBody(status: number, text: string): ParsedErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json !== null && typeof json === "object" && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    const out: ParsedErrorBody = { message: "" };
    if (typeof o.type === "string") out.type = o.type;
    if (typeof o.code === "string" && o.code !== "") out.code = o.code;
    else if (typeof o.code === "number" && Number.isFinite(o.code)) out.code = String(o.code);
    if (typeof o.message === "string") out.message = o.message;
    else if (typeof o.msg === "string") out.message = o.msg;
    if (typeof o.error === "string") {
      out.message = out.message ? `${out.message}: ${o.error}` : o.error;
    } else if (o.error !== null && typeof o.error === "object") {
      // Some gateways nest the envelope: {error:{type,code,message}}.
      const inner = parseErrorBody(status, JSON.stringify(o.error));
      return { ...inner, message: inner.message || `HTTP ${status}` };
    }
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (!["type", "code", "message", "msg", "error"].includes(k)) extra[k] = v;
    }
    if (Object.keys(extra).length > 0) out.extra = extra;
    if (!out.message) out.message = out.code ?? out.type ?? `HTTP ${status}`;
    return out;
  }
  const snippet = text
    .slice(0, 200)
    .replace(/[^\x20-\x7e]+/g, " ")
    .trim();
  return { message: snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}` };
}
