import { minorToDecimalString } from "../../core/money.ts";
import {
  type CardAmount,
  type CardIssuer,
  IssuerError,
  type IssuerOrder,
  type IssuerSimulation,
} from "../port.ts";
import type { UqpayAccountClient } from "./client.ts";
import { toControlsUpdateBody, UQPAY_CAPABILITIES } from "./controls.ts";
import { MappingError } from "./mapping.ts";
import { orderStatus, toMinor } from "./read-values.ts";
import { type SimulationSupport, uqpaySimulation } from "./simulation.ts";
import { toIssuerTransaction } from "./transactions.ts";
import { guard } from "./translate-error.ts";
import type { CardOrder, CardUpdateResponse } from "./types.ts";

/**
 * The card-program half of the UQPay adapter (fact sheet §4–§5): status changes, recharge and
 * withdraw, card orders, spend controls and card transactions. Each call's idempotency key goes out
 * as `x-idempotency-key`, so a retry with the same key is replayed by UQPay, never done twice.
 */
export type CardProgramOperations = Pick<
  CardIssuer,
  | "changeCardStatus"
  | "rechargeCard"
  | "withdrawFromCard"
  | "getOrder"
  | "updateCardControls"
  | "listTransactions"
  | "capabilities"
  | "simulation"
>;

/** UQPay's order_type (the examples also say CREATE_CARD) → the port's order kind. */
const ORDER_KINDS: Readonly<Record<string, IssuerOrder["kind"]>> = {
  CARD_CREATE: "create",
  CREATE_CARD: "create",
  CARD_RECHARGE: "recharge",
  CARD_WITHDRAW: "withdraw",
  CARD_UPDATE: "update",
};

function fromCardOrder(o: CardOrder, kind?: IssuerOrder["kind"]): IssuerOrder {
  const order: IssuerOrder = {
    issuerOrderId: o.card_order_id,
    issuerCardId: o.card_id ?? "",
    kind: kind ?? ORDER_KINDS[(o.order_type ?? "").toUpperCase()] ?? "update",
    status: orderStatus(o.order_status),
  };
  if (o.amount && o.card_currency) {
    order.amountMinor = toMinor(o.amount, o.card_currency, "amount");
    order.currency = o.card_currency;
  }
  return order;
}

/** Status and update answers carry the order id; without it the order cannot be followed. */
function fromUpdateAnswer(
  res: CardUpdateResponse,
  issuerCardId: string,
  kind: IssuerOrder["kind"],
): IssuerOrder {
  if (!res.card_order_id)
    throw new IssuerError("unknown_outcome", "UQPay accepted the change but sent no card_order_id");
  return {
    issuerOrderId: res.card_order_id,
    issuerCardId: res.card_id || issuerCardId,
    kind,
    status: orderStatus(res.order_status ?? "PENDING"),
  };
}

function wireAmount(amount: CardAmount): number {
  if (amount.amountMinor <= 0n) throw new MappingError("amount", "amount must be positive");
  let decimal: string;
  try {
    decimal = minorToDecimalString(amount.amountMinor, amount.currency);
  } catch {
    throw new MappingError("currency", `unsupported currency ${amount.currency}`);
  }
  return Number(decimal);
}

/**
 * Seconds precision, UTC: ISO-8601 as the list's start_time/end_time take it. A window's end is
 * rounded up to the next whole second: cut down, it would leave out what happened in the last
 * fraction of a second (a backfill reading up to "now" would never see it again).
 */
const wireTime = (at: Date, round: "down" | "up" = "down") => {
  const ms = round === "up" ? Math.ceil(at.getTime() / 1000) * 1000 : at.getTime();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
};

export function cardProgramOperations(
  client: UqpayAccountClient,
  simulation?: SimulationSupport,
): CardProgramOperations {
  const sim: IssuerSimulation | undefined = simulation
    ? uqpaySimulation(client, simulation)
    : undefined;
  return {
    capabilities: UQPAY_CAPABILITIES,
    ...(sim ? { simulation: sim } : {}),

    changeCardStatus: (id, status, call) =>
      guard(async () => {
        const body = {
          card_status: status,
          // UQPay takes at most 100 characters; the reason is a note, not worth a refusal.
          ...(call.reason !== undefined ? { update_reason: call.reason.slice(0, 100) } : {}),
        };
        const res = await client.cards.updateStatus(id, body, {
          idempotencyKey: call.idempotencyKey,
        });
        return fromUpdateAnswer(res, id, "status");
      }),

    rechargeCard: (id, amount, call) =>
      guard(async () => {
        const body = { amount: wireAmount(amount) };
        const res = await client.cards.recharge(id, body, { idempotencyKey: call.idempotencyKey });
        return fromCardOrder(res, "recharge");
      }),

    withdrawFromCard: (id, amount, call) =>
      guard(async () => {
        const body = { amount: wireAmount(amount) };
        const res = await client.cards.withdraw(id, body, { idempotencyKey: call.idempotencyKey });
        return fromCardOrder(res, "withdraw");
      }),

    getOrder: (orderId) => guard(async () => fromCardOrder(await client.cards.getOrder(orderId))),

    // Limits are in the card's currency, which only the card knows: read it first when needed.
    updateCardControls: (id, controls, call) =>
      guard(async () => {
        const currency =
          controls.spendingLimits !== undefined
            ? (await client.cards.retrieve(id)).card_currency
            : undefined;
        const body = toControlsUpdateBody(controls, currency);
        const res = await client.cards.update(id, body, { idempotencyKey: call.idempotencyKey });
        return fromUpdateAnswer(res, id, "update");
      }),

    listTransactions: (query) =>
      guard(async () => {
        const res = await client.transactions.list({
          ...(query.issuerCardId !== undefined ? { card_id: query.issuerCardId } : {}),
          start_time: wireTime(query.from),
          end_time: wireTime(query.to, "up"),
          page_number: query.page,
          page_size: query.pageSize,
        });
        return {
          items: res.data.map((t) => toIssuerTransaction(t)),
          hasMore: query.page < res.total_pages,
        };
      }),
  };
}
