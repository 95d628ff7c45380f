import { decimalToMinor } from "../../core/money.ts";
import {
  IssuerError,
  type IssuerTransaction,
  type IssuerTransactionStatus,
  type IssuerTransactionType,
} from "../port.ts";

/**
 * A UQPay card transaction (fact sheet §5: the transaction list and retrieve, the simulation
 * answers, the `issuing.transaction.*` and `issuing.fee.card` webhooks) → the port's
 * IssuerTransaction. One reader for all of them, tolerant of their differences: amounts as numbers
 * or strings, `merchant_data` an object or an array (the webhook sample), `description` or the
 * older `failure_reason` (the simulation answers).
 *
 * | UQPay transaction_type                 | type           |
 * |----------------------------------------|----------------|
 * | AUTHORIZATION                          | authorization  |
 * | REVERSAL                               | reversal       |
 * | SETTLEMENT DEBIT, SETTLEMENT CREDIT    | settlement     |
 * | REFUND                                 | refund         |
 * | FEE                                    | fee            |
 * | anything else (VALIDATION, CHARGEBACK…) | other          |
 *
 * | UQPay transaction_status | status                                           |
 * |--------------------------|--------------------------------------------------|
 * | DECLINED (FAILED)        | declined, whatever the type                      |
 * | REVERSED                 | reversed                                         |
 * | PENDING, unknown, absent | pending (not final: a later read may say more)   |
 * | APPROVED (SUCCESS…)      | settled for a settlement, else approved          |
 *
 * Types compare case-insensitively with spaces, underscores and dots alike ("SETTLEMENT_DEBIT",
 * "settlement.debit"). An unreadable id, card, amount or time is `unknown_outcome`: the caller
 * cannot trust the record, and must not guess.
 */

type Raw = Record<string, unknown>;

const TYPES: Readonly<Record<string, IssuerTransactionType>> = {
  AUTHORIZATION: "authorization",
  REVERSAL: "reversal",
  "SETTLEMENT DEBIT": "settlement",
  "SETTLEMENT CREDIT": "settlement",
  REFUND: "refund",
  FEE: "fee",
};

export function transactionType(value: unknown): IssuerTransactionType {
  const key = text(value)
    ?.toUpperCase()
    .replace(/[\s_.]+/g, " ")
    .trim();
  return (key && TYPES[key]) || "other";
}

export function transactionStatus(
  status: unknown,
  type: IssuerTransactionType,
): IssuerTransactionStatus {
  const s = text(status)?.toUpperCase();
  if (s === "DECLINED" || s === "FAILED") return "declined";
  if (s === "REVERSED") return "reversed";
  if (s === "APPROVED" || s === "SUCCESS" || s === "COMPLETED")
    return type === "settlement" ? "settled" : "approved";
  return "pending";
}

function text(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

const unreadable = (field: string, value: unknown) =>
  new IssuerError(
    "unknown_outcome",
    `UQPay sent a transaction with an unreadable ${field} ${JSON.stringify(value)}`,
  );

/** A magnitude in minor units: the type says the direction, so a sign some samples carry is dropped. */
function minor(value: unknown, currency: string, field: string): bigint {
  const t = text(value);
  if (t === undefined) throw unreadable(field, value);
  let parsed: bigint | null;
  try {
    parsed = decimalToMinor(t.replace(/^[-+]/, ""), currency);
  } catch {
    parsed = null;
  }
  if (parsed === null) throw unreadable(field, value);
  return parsed;
}

/** ISO-8601, or UQPay's plain "yyyy-mm-dd HH:MM:SS", which its examples give in +08:00. */
export function uqpayTime(value: unknown): Date | null {
  const t = text(value);
  if (!t) return null;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(t) ? `${t.replace(" ", "T")}+08:00` : t;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function merchantOf(value: unknown): IssuerTransaction["merchant"] {
  const m = Array.isArray(value) ? value[0] : value;
  if (typeof m !== "object" || m === null) return null;
  const r = m as Raw;
  const name = text(r.name) ?? "";
  // An MCC sent as a number has lost its leading zeros (0742 → 742): they are put back.
  const code = r.category_code;
  const mcc =
    typeof code === "number" && Number.isInteger(code) && code >= 0
      ? String(code).padStart(4, "0")
      : (text(code) ?? "");
  if (!name && !mcc) return null;
  return { name, mcc, city: text(r.city) ?? null, country: text(r.country) ?? null };
}

export function toIssuerTransaction(raw: Raw): IssuerTransaction {
  const id = text(raw.transaction_id);
  if (!id) throw unreadable("transaction_id", raw.transaction_id);
  const cardId = text(raw.card_id);
  if (!cardId) throw unreadable("card_id", raw.card_id);
  const type = transactionType(raw.transaction_type);
  const status = transactionStatus(raw.transaction_status, type);
  const billingCurrency = text(raw.billing_currency) ?? text(raw.transaction_currency);
  const currency = text(raw.transaction_currency) ?? billingCurrency;
  if (!currency || !billingCurrency) throw unreadable("currency", raw.transaction_currency);
  const occurredAt = uqpayTime(raw.transaction_time) ?? uqpayTime(raw.posted_time);
  if (!occurredAt) throw unreadable("transaction_time", raw.transaction_time);
  const available = text(raw.card_available_balance);
  return {
    issuerTransactionId: id,
    issuerCardId: cardId,
    originalTransactionId: text(raw.original_transaction_id) ?? null,
    type,
    status,
    amountMinor: minor(
      raw.transaction_amount ?? raw.billing_amount,
      currency,
      "transaction_amount",
    ),
    currency,
    billingAmountMinor: minor(
      raw.billing_amount ?? raw.transaction_amount,
      billingCurrency,
      "billing_amount",
    ),
    billingCurrency,
    merchant: merchantOf(raw.merchant_data),
    declineReason:
      status === "declined" ? (text(raw.description) ?? text(raw.failure_reason) ?? null) : null,
    occurredAt,
    postedAt: uqpayTime(raw.posted_time),
    cardAvailableMinor:
      available === undefined ? null : minor(available, billingCurrency, "card_available_balance"),
  };
}
