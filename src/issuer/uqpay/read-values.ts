import { decimalToMinor } from "../../core/money.ts";
import {
  ISSUER_CARD_STATUSES,
  ISSUER_KYC_STATUSES,
  type IssuerCardStatus,
  IssuerError,
  type IssuerKycStatus,
  type IssuerOrderStatus,
} from "../port.ts";

/** UQPay's values read into the port's: statuses and amounts, each with its rule for the unknown. */

const KYC_STATUSES: readonly IssuerKycStatus[] = ISSUER_KYC_STATUSES;
const CARD_STATUSES: readonly IssuerCardStatus[] = ISSUER_CARD_STATUSES;
const ORDER_STATUSES: readonly IssuerOrderStatus[] = ["PENDING", "PROCESSING", "SUCCESS", "FAILED"];

/** An unknown KYC status is treated as still in review: the core keeps polling, never approves. */
export function kycStatus(value: string): IssuerKycStatus {
  const v = value.toUpperCase() as IssuerKycStatus;
  return KYC_STATUSES.includes(v) ? v : "PENDING";
}

export function cardStatus(value: string): IssuerCardStatus {
  const v = value.toUpperCase() as IssuerCardStatus;
  if (CARD_STATUSES.includes(v)) return v;
  throw new IssuerError(
    "unknown_outcome",
    `unrecognised UQPay card_status ${JSON.stringify(value)}`,
  );
}

/** Unknown order states are treated as still in progress (non-final), never as success or failure. */
export function orderStatus(value: string): IssuerOrderStatus {
  const v = value.toUpperCase() as IssuerOrderStatus;
  return ORDER_STATUSES.includes(v) ? v : "PROCESSING";
}

export function toMinor(value: string | null | undefined, currency: string, field: string): bigint {
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
