import { IssuerError } from "../port.ts";
import { UqpayError } from "./errors.ts";
import { contractFieldFor, fieldsNamedIn, MappingError } from "./mapping.ts";

/**
 * How a failed UQPay call becomes the port's IssuerError. Error translation (UqpayError → IssuerError kind):
 *
 * | upstream failure                                      | kind            |
 * |-------------------------------------------------------|-----------------|
 * | 401 / 403, any 4xx from the token endpoint             | auth            |
 * | 400 `sub_account_not_found` (bad x-on-behalf-of)      | auth            |
 * | 404, `*_not_found` code, "does not exist(s)"          | not_found       |
 * | 400 `idempotency_error` (replay or mismatch)          | unknown_outcome |
 * | "request is processing" after retries                 | unknown_outcome |
 * | other 4xx                                             | rejected        |
 * | 429                                                   | rate_limited    |
 * | 5xx, timeout, reset after sending, malformed body     | unknown_outcome |
 * | connection refused / DNS (never sent)                 | unavailable     |
 *
 * `fields` on a rejection carry OUR contract names (phone_number → mobile) when the message or a
 * `missing_fields` list names an upstream field; names without a counterpart pass through.
 */
export function translateError(err: unknown): IssuerError {
  if (err instanceof IssuerError) return err;
  if (err instanceof MappingError) {
    return new IssuerError("rejected", err.message, { fields: [err.field], cause: err });
  }
  if (!(err instanceof UqpayError)) {
    return new IssuerError("unknown_outcome", "unexpected failure calling UQPay", { cause: err });
  }
  const detail = {
    httpStatus: err.httpStatus,
    issuerType: err.type,
    issuerCode: err.code,
    cause: err,
  };
  switch (err.kind) {
    case "rate_limited":
      return new IssuerError("rate_limited", err.message, {
        ...detail,
        retryAfterMs: err.retryAfterMs,
      });
    case "timeout":
      return new IssuerError("unknown_outcome", `UQPay timed out: ${err.message}`, detail);
    case "malformed_response":
      return new IssuerError(
        "unknown_outcome",
        `UQPay sent an unreadable response: ${err.message}`,
        detail,
      );
    case "network":
      return err.mayHaveBeenSent === false
        ? new IssuerError("unavailable", `UQPay unreachable: ${err.message}`, detail)
        : new IssuerError("unknown_outcome", `connection to UQPay failed: ${err.message}`, detail);
    case "api":
      return translateApiError(err, detail);
  }
}

function translateApiError(
  err: UqpayError,
  detail: ConstructorParameters<typeof IssuerError>[2],
): IssuerError {
  const status = err.httpStatus ?? 0;
  const code = err.code ?? "";
  // The token endpoint answers a wrong client id with 400 ("Invalid client id"): still our credentials.
  const tokenCall = err.path.startsWith("/v1/connect/token") && status >= 400 && status < 500;
  if (status === 401 || status === 403 || code === "sub_account_not_found" || tokenCall) {
    return new IssuerError("auth", `UQPay refused our credentials: ${err.message}`, detail);
  }
  if (status >= 500)
    return new IssuerError("unknown_outcome", `UQPay error: ${err.message}`, detail);
  if (err.type === "idempotency_error" || /request is processing/i.test(err.message)) {
    return new IssuerError("unknown_outcome", `UQPay idempotency conflict: ${err.message}`, detail);
  }
  if (
    status === 404 ||
    /_not_found$/.test(code) ||
    /does not exists?|not found/i.test(err.message)
  ) {
    return new IssuerError("not_found", err.message, detail);
  }
  if (status >= 400) {
    const fields = new Set<string>(fieldsNamedIn(err.message));
    for (const f of missingFieldNames(err.body?.missing_fields)) fields.add(contractFieldFor(f));
    return new IssuerError("rejected", err.message, {
      ...detail,
      ...(fields.size > 0 ? { fields: [...fields] } : {}),
    });
  }
  // 1xx/3xx: we cannot say what happened.
  return new IssuerError("unknown_outcome", `unexpected HTTP ${status} from UQPay`, detail);
}

/** `missing_fields` is `[{name,…}]` per uqpay-node; plain strings are tolerated. */
export function missingFieldNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const item of value) {
    if (typeof item === "string") out.push(item);
    else if (
      item &&
      typeof item === "object" &&
      typeof (item as { name?: unknown }).name === "string"
    ) {
      out.push((item as { name: string }).name);
    }
  }
  return out;
}

/** Runs one port operation: every failure leaves it as an IssuerError (see translateError). */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateError(err);
  }
}
