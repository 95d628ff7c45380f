import { z } from "zod";
import {
  type CARD_NOTICE_EVENT_TYPES,
  type CARDHOLDER_EVENT_TYPES,
  type CardEventData,
  type CardholderEventData,
  type CardMoneyEventData,
  type CardStatusEventData,
  cardEventData,
  cardholderEventData,
  cardMoneyEventData,
  cardStatusEventData,
  ISSUING_EVENT_TYPES,
  type IssuingEventType,
  type TRANSACTION_EVENT_TYPES,
  type TransactionEventData,
  transactionEventData,
} from "./webhook-event-data.ts";
import { verifyWebhookSignature } from "./webhook-signature.ts";

export * from "./webhook-event-data.ts";

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
