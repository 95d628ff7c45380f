import { decimalToMinor } from "../../core/money.ts";
import { ISSUER_CARD_STATUSES, type IssuerCardStatus, type IssuerEvent } from "../port.ts";
import { toIssuerTransaction } from "./transactions.ts";

/**
 * UQPay's card-program webhooks (fact sheet §6) → IssuerEvent:
 *
 * | event_type                                  | kind                                     |
 * |---------------------------------------------|------------------------------------------|
 * | card.recharge.succeeded / .failed           | card_order (recharge)                    |
 * | card.withdraw.succeeded / .failed           | card_order (withdraw)                    |
 * | card.update.succeeded / .failed             | card_order (update)                      |
 * | card.status.update.failed                   | card_order (status, succeeded: false)    |
 * | card.status.update.succeeded, card_status   | card_order (status), the status an order |
 * |   ACTIVE, FROZEN or PRE_CANCEL              |   asks for (CANCELLED starts as PRE_CANCEL)|
 * | card.status.update.succeeded, other status  | card_status: reached without an order of |
 * |   (CANCELLED after PRE_CANCEL, BLOCKED…)    |   ours (UQPay sends the same event type)  |
 * | issuing.transaction.*, issuing.fee.card     | transaction                              |
 *
 * `source_id` is the card order id on card order events. Amounts are strings in webhooks: read
 * exactly, never through floating point; a field that cannot be read is left out (the event still
 * says what happened). A transaction that cannot be read is `other`: recorded, and the transaction
 * backfill (listTransactions) brings it in its own shape.
 */

type Data = Record<string, unknown>;
type Base = { eventId: string; type: string };

const CARD: ReadonlySet<string> = new Set(ISSUER_CARD_STATUSES);
/** The statuses a status order of ours ends in. */
const ORDERED: ReadonlySet<string> = new Set(["ACTIVE", "FROZEN", "PRE_CANCEL"]);

const str = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);

function amount(value: unknown, currency: string | undefined): bigint | undefined {
  if (!currency || (typeof value !== "string" && typeof value !== "number")) return undefined;
  try {
    return decimalToMinor(value, currency) ?? undefined;
  } catch {
    return undefined;
  }
}

const ORDER_EVENTS: ReadonlyArray<[prefix: string, order: "recharge" | "withdraw" | "update"]> = [
  ["card.recharge.", "recharge"],
  ["card.withdraw.", "withdraw"],
  ["card.update.", "update"],
];

/** The IssuerEvent for a card-program webhook, or null when `type` is not one. */
export function parseCardProgramEvent(
  base: Base,
  sourceId: string | undefined,
  data: Data,
): IssuerEvent | null {
  const { type } = base;
  if (type.startsWith("issuing.transaction.") || type === "issuing.fee.card") {
    try {
      return { ...base, kind: "transaction", transaction: toIssuerTransaction(data) };
    } catch {
      return { ...base, kind: "other" };
    }
  }
  const outcome = type.endsWith(".succeeded") ? true : type.endsWith(".failed") ? false : null;
  const order = type.startsWith("card.status.update.")
    ? ("status" as const)
    : ORDER_EVENTS.find(([prefix]) => type.startsWith(prefix))?.[1];
  if (outcome === null || !order) return null;

  const cardId = str(data.card_id);
  const status = str(data.card_status)?.toUpperCase();
  const cardStatus = status && CARD.has(status) ? (status as IssuerCardStatus) : undefined;
  if (!cardId) return { ...base, kind: "other" };
  if (order === "status" && outcome && cardStatus && !ORDERED.has(cardStatus))
    return { ...base, kind: "card_status", issuerCardId: cardId, status: cardStatus };
  const orderId = sourceId ?? str(data.card_order_id);
  if (!orderId) return { ...base, kind: "other" };

  const currency = str(data.card_currency) ?? str(data.currency);
  const available = amount(data.card_available_balance ?? data.available_balance, currency);
  const moved =
    order === "recharge" || order === "withdraw" ? amount(data.amount, currency) : undefined;
  return {
    ...base,
    kind: "card_order",
    issuerOrderId: orderId,
    issuerCardId: cardId,
    order,
    succeeded: outcome,
    ...(cardStatus ? { cardStatus } : {}),
    ...(available !== undefined ? { availableMinor: available } : {}),
    ...(moved !== undefined ? { amountMinor: moved } : {}),
    ...(currency ? { currency } : {}),
  };
}
