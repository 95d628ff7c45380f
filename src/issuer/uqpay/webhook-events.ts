import { z } from "zod";
import { amount } from "./types.ts";
import { verifyWebhookSignature } from "./webhook-signature.ts";

/**
 * Typed parsing of UQPay Issuing webhooks (fact sheet §6). Verify the signature on the RAW body
 * first (webhook-signature.ts), then parse the same bytes here.
 *
 * Tolerances, all deliberate:
 * - The v1.5.2 sample swapped `event_name` and `event_type` (and uqpay-node still switches on
 *   `event_name`): the dotted value of the two is taken as the event type, the other as the name.
 * - Amounts are strings in webhooks but may arrive as numbers: always exposed as the decimal
 *   string the upstream wrote (the `amount` schema in types.ts), never through floating point.
 * - `merchant_data` is an object in the docs and an array in the sandbox sample: exposed as an
 *   array either way (`merchants`), with the original kept on `data.merchant_data`.
 * - Unknown fields are kept (loose objects); unknown event types parse as `known: false` so a new
 *   upstream event never makes a receiver answer non-200 forever.
 */

const str = z.string().nullish();
const num = amount.nullish();

export const CARD_ORDER_EVENT_TYPES = [
  "card.create.succeeded",
  "card.create.failed",
  "card.update.succeeded",
  "card.update.failed",
  "card.status.update.succeeded",
  "card.status.update.failed",
  "card.recharge.succeeded",
  "card.recharge.failed",
  "card.withdraw.succeeded",
  "card.withdraw.failed",
  "card.elevate_limit.succeeded",
  "card.elevate_limit.failed",
] as const;

export const TRANSACTION_EVENT_TYPES = [
  "issuing.transaction.authorization",
  "issuing.transaction.reversal",
  "issuing.transaction.refund",
  "issuing.transaction.settlement.credit",
  "issuing.transaction.settlement.debit",
  "issuing.transaction.settlement.reversal",
  "issuing.transaction.fund.collection",
  "issuing.transaction.fund.transfer",
  "issuing.transaction.validation",
  "issuing.transaction.atm.deposit",
  "issuing.transaction.chargeback.credit",
  "issuing.transaction.chargeback.debit",
] as const;

export const CARDHOLDER_EVENT_TYPES = [
  "cardholder.kyc.status_changed",
  "cardholder.updated",
] as const;
export const CARD_NOTICE_EVENT_TYPES = [
  "card.activation.code",
  "card.activated",
  "card.verification.otp",
] as const;
export const FEE_EVENT_TYPES = ["issuing.fee.card"] as const;

export const ISSUING_EVENT_TYPES = [
  ...CARD_ORDER_EVENT_TYPES,
  ...TRANSACTION_EVENT_TYPES,
  ...CARDHOLDER_EVENT_TYPES,
  ...CARD_NOTICE_EVENT_TYPES,
  ...FEE_EVENT_TYPES,
] as const;
export type IssuingEventType = (typeof ISSUING_EVENT_TYPES)[number];

const cardholderBrief = z.looseObject({
  cardholder_id: str,
  cardholder_status: str,
  create_time: str,
  email: str,
  first_name: str,
  last_name: str,
});
const limitItem = z.looseObject({ amount: num, interval: str });

/** card.create.* / card.update.* (create uses risk_control + spending_limits, update spending_controls). */
export const cardEventData = z.looseObject({
  card_id: z.string().min(1),
  card_available_balance: num,
  available_balance: num,
  card_bin: str,
  card_number: str,
  card_product_id: str,
  card_scheme: str,
  card_status: str,
  card_currency: str,
  card_limit: num,
  card_order_id: str,
  cardholder: cardholderBrief.nullish(),
  form_factor: str,
  metadata: z.record(z.string(), z.unknown()).nullish(),
  mode_type: str,
  no_pin_payment_amount: num,
  /** "success" (lowercase) in the update sample. */
  order_status: str,
  risk_control: z.record(z.string(), z.unknown()).nullish(),
  risk_controls: z.record(z.string(), z.unknown()).nullish(),
  spending_limits: z.array(limitItem).nullish(),
  spending_controls: z.array(limitItem).nullish(),
});
export type CardEventData = z.output<typeof cardEventData>;

/** card.status.update.* */
export const cardStatusEventData = z.looseObject({
  card_id: z.string().min(1),
  card_number: str,
  card_status: z.string(),
  update_reason: str,
  update_time: str,
  available_balance: num,
  currency: str,
});
export type CardStatusEventData = z.output<typeof cardStatusEventData>;

/** card.recharge.* / card.withdraw.* */
export const cardMoneyEventData = z.looseObject({
  card_id: z.string().min(1),
  amount: num,
  card_available_balance: num,
  card_currency: str,
  card_status: str,
  complete_time: str,
  order_status: str,
  update_time: str,
});
export type CardMoneyEventData = z.output<typeof cardMoneyEventData>;

const merchant = z.looseObject({
  category_code: z.union([z.string(), z.number()]).nullish(),
  city: str,
  country: str,
  name: str,
});

/** issuing.transaction.* and issuing.fee.card */
export const transactionEventData = z.looseObject({
  transaction_id: z.string().min(1),
  card_id: str,
  card_number: str,
  cardholder_id: str,
  short_transaction_id: str,
  original_transaction_id: str,
  transaction_type: str,
  transaction_fee: num,
  transaction_fee_currency: str,
  fee_pass_through: str,
  card_available_balance: num,
  authorization_code: str,
  billing_amount: num,
  billing_currency: str,
  transaction_amount: num,
  transaction_currency: str,
  transaction_time: str,
  posted_time: str,
  merchant_data: z.union([merchant, z.array(merchant)]).nullish(),
  description: str,
  failure_reason: str,
  transaction_status: str,
  wallet_type: str,
  reference_id: str,
  short_reference_id: str,
  remark: str,
});
export type TransactionEventData = z.output<typeof transactionEventData> & {
  /** merchant_data normalised to an array. */
  merchants: z.output<typeof merchant>[];
};

/** cardholder.kyc.status_changed / cardholder.updated */
export const cardholderEventData = z.looseObject({
  cardholder_id: z.string().min(1),
  cardholder_status: z.string(),
  country_code: str,
  create_time: str,
  /** "0001-01-01" has been seen for an unset date; exposed as null. */
  date_of_birth: str.transform((v) => (v === "0001-01-01" ? null : v)),
  email: str,
  first_name: str,
  last_name: str,
  idv_provider: str,
  idv_status: str,
  nationality: str,
  phone_number: str,
  update_time: str,
});
export type CardholderEventData = z.output<typeof cardholderEventData>;

const anyData = z.record(z.string(), z.unknown());

interface Envelope<T extends string, D> {
  known: true;
  version: string;
  event_name: string;
  event_type: T;
  event_id: string;
  source_id: string;
  /** "succeeded" / "failed" for card order events, else undefined. */
  outcome: "succeeded" | "failed" | undefined;
  data: D;
}

export type CardCreateEvent = Envelope<
  "card.create.succeeded" | "card.create.failed",
  CardEventData
>;
export type CardUpdateEvent = Envelope<
  "card.update.succeeded" | "card.update.failed",
  CardEventData
>;
export type CardStatusEvent = Envelope<
  "card.status.update.succeeded" | "card.status.update.failed",
  CardStatusEventData
>;
export type CardMoneyEvent = Envelope<
  | "card.recharge.succeeded"
  | "card.recharge.failed"
  | "card.withdraw.succeeded"
  | "card.withdraw.failed",
  CardMoneyEventData
>;
export type CardElevateLimitEvent = Envelope<
  "card.elevate_limit.succeeded" | "card.elevate_limit.failed",
  Record<string, unknown>
>;
export type CardNoticeEvent = Envelope<
  (typeof CARD_NOTICE_EVENT_TYPES)[number],
  Record<string, unknown>
>;
export type TransactionEvent = Envelope<
  (typeof TRANSACTION_EVENT_TYPES)[number],
  TransactionEventData
>;
export type FeeEvent = Envelope<"issuing.fee.card", TransactionEventData>;
export type CardholderEvent = Envelope<
  (typeof CARDHOLDER_EVENT_TYPES)[number],
  CardholderEventData
>;

export type KnownWebhookEvent =
  | CardCreateEvent
  | CardUpdateEvent
  | CardStatusEvent
  | CardMoneyEvent
  | CardElevateLimitEvent
  | CardNoticeEvent
  | TransactionEvent
  | FeeEvent
  | CardholderEvent;

export interface UnknownWebhookEvent {
  known: false;
  version: string;
  event_name: string;
  event_type: string;
  event_id: string;
  source_id: string;
  outcome: undefined;
  data: Record<string, unknown>;
}

export type UqpayWebhookEvent = KnownWebhookEvent | UnknownWebhookEvent;

export class WebhookParseError extends Error {
  override readonly name = "WebhookParseError";
}

const envelope = z.object({
  version: z.string().nullish(),
  event_name: z.string().nullish(),
  event_type: z.string().nullish(),
  event_id: z.string().min(1),
  source_id: z.union([z.string(), z.number().transform(String)]).nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});

const isEventType = (s: string | null | undefined): s is string => !!s && s.includes(".");

function dataSchema(type: IssuingEventType): z.ZodType<Record<string, unknown>> {
  if (type.startsWith("card.status.update.")) return cardStatusEventData;
  if (type.startsWith("card.recharge.") || type.startsWith("card.withdraw."))
    return cardMoneyEventData;
  if (type.startsWith("card.create.") || type.startsWith("card.update.")) return cardEventData;
  if (type.startsWith("issuing.")) return transactionEventData;
  if (type.startsWith("cardholder.")) return cardholderEventData;
  return anyData;
}

function issues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

/**
 * Parses a webhook body (the raw bytes/string received, or an already-parsed object) into a typed
 * event. Throws WebhookParseError for a body that is not a UQPay envelope or whose data does not
 * fit its event type; an unknown event type is returned with `known: false`.
 */
export function parseWebhookEvent(raw: string | Buffer | unknown): UqpayWebhookEvent {
  let json: unknown = raw;
  if (typeof raw === "string" || Buffer.isBuffer(raw)) {
    try {
      json = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
    } catch {
      throw new WebhookParseError("webhook body is not valid JSON");
    }
  }
  const env = envelope.safeParse(json);
  if (!env.success)
    throw new WebhookParseError(`not a UQPay webhook envelope: ${issues(env.error)}`);
  const e = env.data;
  // v1.5.2 swapped the two: the dotted one is the specific type.
  let eventType = e.event_type;
  let eventName = e.event_name;
  if (!isEventType(eventType) && isEventType(eventName))
    [eventType, eventName] = [eventName, eventType];
  if (!isEventType(eventType)) throw new WebhookParseError("webhook has no event_type");
  const base = {
    version: e.version ?? "",
    event_name: eventName ?? "",
    event_id: e.event_id,
    source_id: e.source_id ?? "",
    data: e.data ?? {},
  };
  if (!(ISSUING_EVENT_TYPES as readonly string[]).includes(eventType))
    return { ...base, known: false, event_type: eventType, outcome: undefined };
  const type = eventType as IssuingEventType;
  const d = dataSchema(type).safeParse(base.data);
  if (!d.success) throw new WebhookParseError(`${type}: unexpected data: ${issues(d.error)}`);
  const data: Record<string, unknown> = { ...d.data };
  if (type.startsWith("issuing.")) {
    const m = data.merchant_data;
    data.merchants = Array.isArray(m) ? m : m ? [m] : [];
  }
  const outcome = type.endsWith(".succeeded")
    ? "succeeded"
    : type.endsWith(".failed")
      ? "failed"
      : undefined;
  return { ...base, known: true, event_type: type, outcome, data } as KnownWebhookEvent;
}

/**
 * Verify then parse, the order a receiver must use: the signature is checked on the exact bytes
 * received, and only a verified body is parsed. Never throws for a bad signature (the reason is
 * returned so the receiver can answer 401); throws WebhookParseError only for a verified body that
 * is not a UQPay envelope.
 */
export function readWebhook(input: {
  rawBody: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  secret: string;
  toleranceSeconds?: number;
  now?: number;
}):
  | { ok: true; event: UqpayWebhookEvent; timestampMs: number }
  | {
      ok: false;
      reason: "missing_header" | "bad_timestamp" | "stale_timestamp" | "bad_signature";
    } {
  const header = (name: string) => {
    const v = input.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const v = verifyWebhookSignature({
    rawBody: input.rawBody,
    timestampHeader: header("x-wk-timestamp"),
    signatureHeader: header("x-wk-signature"),
    secret: input.secret,
    toleranceSeconds: input.toleranceSeconds,
    now: input.now,
  });
  if (!v.ok) return v;
  return { ok: true, event: parseWebhookEvent(input.rawBody), timestampMs: v.timestampMs };
}
