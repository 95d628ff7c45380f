import { decimalToMinor } from "../../core/money.ts";
import {
  type CardIssuer,
  ISSUER_CARD_STATUSES,
  ISSUER_KYC_STATUSES,
  type IssuedCard,
  type IssuerCardStatus,
  IssuerError,
  type IssuerKycStatus,
  type IssuerProduct,
} from "../port.ts";
import type { UqpayAccountClient } from "./client.ts";
import { UqpayError } from "./errors.ts";
import {
  contractFieldFor,
  fieldsNamedIn,
  MappingError,
  toCreateCardBody,
  toCreateCardholderBody,
  toIdentity,
} from "./mapping.ts";
import { maskPan } from "./mask.ts";
import type { Cardholder } from "./types.ts";

/**
 * The UQPay implementation of the issuer port. Field mapping lives in mapping.ts; this file only
 * sequences calls and translates results and failures into the port's terms.
 *
 * Error translation (UqpayError → IssuerError kind):
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
function missingFieldNames(value: unknown): string[] {
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

const KYC_STATUSES: readonly IssuerKycStatus[] = ISSUER_KYC_STATUSES;
const CARD_STATUSES: readonly IssuerCardStatus[] = ISSUER_CARD_STATUSES;
const ORDER_STATUSES: readonly IssuedCard["orderStatus"][] = [
  "PENDING",
  "PROCESSING",
  "SUCCESS",
  "FAILED",
];

/** An unknown KYC status is treated as still in review: the core keeps polling, never approves. */
function kycStatus(value: string): IssuerKycStatus {
  const v = value.toUpperCase() as IssuerKycStatus;
  return KYC_STATUSES.includes(v) ? v : "PENDING";
}

function cardStatus(value: string): IssuerCardStatus {
  const v = value.toUpperCase() as IssuerCardStatus;
  if (CARD_STATUSES.includes(v)) return v;
  throw new IssuerError(
    "unknown_outcome",
    `unrecognised UQPay card_status ${JSON.stringify(value)}`,
  );
}

/** Unknown order states are treated as still in progress (non-final), never as success or failure. */
function orderStatus(value: string): IssuedCard["orderStatus"] {
  const v = value.toUpperCase() as IssuedCard["orderStatus"];
  return ORDER_STATUSES.includes(v) ? v : "PROCESSING";
}

function toMinor(value: string | null | undefined, currency: string, field: string): bigint {
  if (value === null || value === undefined || value === "") return 0n;
  let minor: bigint | null;
  try {
    minor = decimalToMinor(value, currency);
  } catch {
    minor = null;
  }
  if (minor === null) {
    throw new IssuerError(
      "unknown_outcome",
      `UQPay sent an unreadable ${field} ${JSON.stringify(value)}`,
    );
  }
  return minor;
}

/** UQPay's expire_date is MM/YY in the SDK mocks; tolerate MM/YYYY, YYYY-MM and MMYY. */
export function normalizeExpiry(value: string): string {
  const v = value.trim();
  let m = /^(\d{2})\s*\/\s*(\d{2})$/.exec(v);
  if (m) return `${m[1]}/${m[2]}`;
  m = /^(\d{2})\s*\/\s*\d{2}(\d{2})$/.exec(v);
  if (m) return `${m[1]}/${m[2]}`;
  m = /^\d{2}(\d{2})-(\d{2})(?:-\d{2})?$/.exec(v);
  if (m) return `${m[2]}/${m[1]}`;
  m = /^(\d{2})(\d{2})$/.exec(v);
  if (m) return `${m[1]}/${m[2]}`;
  throw new IssuerError("unknown_outcome", "UQPay sent an unreadable expire_date");
}

function holderResult(
  h: Pick<Cardholder, "cardholder_id" | "cardholder_status"> & { missing_fields?: unknown },
) {
  const status = kycStatus(h.cardholder_status);
  const missing = missingFieldNames(h.missing_fields).map(contractFieldFor);
  return {
    issuerCardholderId: h.cardholder_id,
    status,
    ...(missing.length > 0 ? { missingFields: missing } : {}),
  };
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateError(err);
  }
}

const MAX_PRODUCT_PAGES = 50;

export function createUqpayIssuer(client: UqpayAccountClient): CardIssuer {
  return {
    submitCardholder: (input, call) =>
      guard(async () => {
        const body = toCreateCardholderBody(input);
        const res = await client.cardholders.create(body, { idempotencyKey: call.idempotencyKey });
        return holderResult(res);
      }),

    getCardholder: (id) => guard(async () => holderResult(await client.cardholders.retrieve(id))),

    // UQPay updates a cardholder with POST …/cardholders/{id}; then it is read back for its status.
    resubmitDocuments: (id, document, call) =>
      guard(async () => {
        const identity = toIdentity(document);
        await client.cardholders.update(id, { identity }, { idempotencyKey: call.idempotencyKey });
        return holderResult(await client.cardholders.retrieve(id));
      }),

    issueCard: (input, call) =>
      guard(async () => {
        const body = toCreateCardBody(input);
        const res = await client.cards.create(body, { idempotencyKey: call.idempotencyKey });
        return {
          issuerCardId: res.card_id,
          issuerOrderId: res.card_order_id,
          status: cardStatus(res.card_status),
          orderStatus: orderStatus(res.order_status),
        };
      }),

    getCard: (id) =>
      guard(async () => {
        const c = await client.cards.retrieve(id);
        return {
          issuerCardId: c.card_id,
          status: cardStatus(c.card_status),
          currency: c.card_currency,
          maskedNumber: maskPan(c.card_number),
          availableMinor: toMinor(c.available_balance, c.card_currency, "available_balance"),
          limitMinor: toMinor(c.card_limit, c.card_currency, "card_limit"),
        };
      }),

    getSecureDetails: (id) =>
      guard(async () => {
        const s = await client.cards.getSecure(id);
        return {
          cardNumber: s.card_number,
          cvv: s.cvv,
          expiryDate: normalizeExpiry(s.expire_date),
        };
      }),

    listProducts: () =>
      guard(async () => {
        const out: IssuerProduct[] = [];
        for (let page = 1; page <= MAX_PRODUCT_PAGES; page++) {
          const res = await client.products.list({ page_size: 100, page_number: page });
          for (const p of res.data) {
            const mode = p.mode_type.toUpperCase();
            const kyc = p.kyc_level.toUpperCase();
            // A product we cannot classify is left out rather than guessed at.
            if (mode !== "SHARE" && mode !== "SINGLE") continue;
            if (kyc !== "SIMPLIFIED" && kyc !== "STANDARD" && kyc !== "ENHANCED") continue;
            out.push({
              issuerProductId: p.product_id,
              bin: p.card_bin,
              currencies: p.card_currency,
              enabled: p.product_status.toUpperCase() === "ENABLED",
              modeType: mode,
              kycLevel: kyc,
            });
          }
          if (res.data.length === 0 || page >= res.total_pages) break;
        }
        return out;
      }),
  };
}
