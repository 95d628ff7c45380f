/** UQPay's error envelope A: `{type, code, message}`; the type decides the HTTP status. */
export type ErrorType =
  | "invalid_request_error"
  | "card_error"
  | "cardholder_error"
  | "account_error"
  | "idempotency_error"
  | "unauthorized_error"
  | "api_error";

export function statusForType(type: ErrorType, code: string): number {
  switch (type) {
    case "unauthorized_error":
      return code === "forbidden" ? 403 : 401;
    case "api_error":
      return 500;
    default:
      return 400;
  }
}

export class SimError extends Error {
  readonly status: number;
  constructor(
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    status?: number,
  ) {
    super(message);
    this.status = status ?? statusForType(type, code);
  }

  body(): Record<string, unknown> {
    return { type: this.type, code: this.code, message: this.message, ...this.extra };
  }
}

export const invalidRequest = (message: string, code = "invalid_parameter"): SimError =>
  new SimError("invalid_request_error", code, message);
export const cardError = (code: string, message: string): SimError =>
  new SimError("card_error", code, message);
export const cardholderError = (
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): SimError => new SimError("cardholder_error", code, message, extra);
export const accountError = (code: string, message: string): SimError =>
  new SimError("account_error", code, message);
export const unauthorized = (message: string): SimError =>
  new SimError("unauthorized_error", "unauthorized_error", message);
export const forbidden = (message: string): SimError =>
  new SimError("unauthorized_error", "forbidden", message);

/** Turn a zod error into the single-line "field: rule" message UQPay uses. */
export function zodMessage(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): string {
  const first = issues[0];
  if (!first) return "invalid request";
  const path = first.path.map(String).join(".");
  return path ? `${path}: ${first.message}` : first.message;
}
