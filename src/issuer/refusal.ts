import { IssuerError } from "./port.ts";

/**
 * A definite refusal: the issuer answered that it will not do this (rejected, or the thing is not
 * there). Safe to record as final; anything else (unreachable, unknown outcome, rate limited)
 * may still succeed and is retried or recovered instead.
 */
export function isIssuerRefusal(error: unknown): error is IssuerError {
  return error instanceof IssuerError && (error.kind === "rejected" || error.kind === "not_found");
}
