/** Card state transitions shared by routes, jobs and admin knobs. */

import { maskPanWebhook } from "./cardnumber.ts";
import type { SimContext } from "./context.ts";
import { move } from "./ledger.ts";
import { centsLoose } from "./money.ts";
import type { Card, CardOrder, CardStatus, OrderType } from "./state.ts";
import { isoTime } from "./time.ts";
import { availableCents, cardUpdateWebhookData, cardWebhookData } from "./views.ts";

export function newOrder(
  ctx: SimContext,
  card: Card,
  type: OrderType,
  amount: number,
  status: CardOrder["order_status"],
): CardOrder {
  const now = ctx.clock();
  const order: CardOrder = {
    card_order_id: ctx.rng.uuid(),
    card_id: card.card_id,
    order_type: type,
    amount,
    card_currency: card.card_currency,
    create_time: now,
    update_time: now,
    complete_time: null,
    order_status: status,
  };
  ctx.state.orders.set(order.card_order_id, order);
  return order;
}

/** The create order finishes: ACTIVE + SUCCESS, or (fail_after_success) FAILED + refund. */
export function finishCreate(ctx: SimContext, card: Card): void {
  if (card.card_status !== "PENDING") return;
  const order = ctx.state.orders.get(card.create_order_id);
  const now = ctx.clock();
  if (card.fail_on_activate) {
    card.card_status = "FAILED";
    if (card.mode_type === "SINGLE" && card.balance > 0) {
      move(
        ctx,
        card.card_currency,
        card.balance,
        "CARD_WITHDRAW",
        `Card ${card.card_id} creation failed: refund`,
      );
      card.balance = 0;
    }
  } else {
    card.card_status = "ACTIVE";
  }
  card.update_time = now;
  if (order) {
    order.order_status = card.card_status === "ACTIVE" ? "SUCCESS" : "FAILED";
    order.update_time = now;
    order.complete_time = now;
  }
  const type = card.card_status === "ACTIVE" ? "card.create.succeeded" : "card.create.failed";
  ctx.webhooks.emit(type, card.create_order_id, cardWebhookData(ctx, card));
}

export function statusWebhookData(ctx: SimContext, card: Card) {
  return {
    card_id: card.card_id,
    card_number: maskPanWebhook(card.card_number),
    card_status: card.card_status,
    update_reason: card.update_reason,
    update_time: isoTime(card.update_time),
    available_balance: centsLoose(availableCents(ctx, card)),
    currency: card.card_currency,
  };
}

export function setCardStatus(ctx: SimContext, card: Card, status: CardStatus, orderId: string) {
  card.card_status = status;
  card.update_time = ctx.clock();
  ctx.webhooks.emit("card.status.update.succeeded", orderId, statusWebhookData(ctx, card));
}

/** PRE_CANCEL → CANCELLED; a SINGLE card's balance goes back to the issuing balance. */
export function finishCancel(ctx: SimContext, card: Card, orderId: string): void {
  if (card.card_status !== "PRE_CANCEL") return;
  if (card.mode_type === "SINGLE" && card.balance > 0) {
    move(
      ctx,
      card.card_currency,
      card.balance,
      "CARD_WITHDRAW",
      `Card ${card.card_id} cancelled: refund`,
    );
    card.balance = 0;
  }
  setCardStatus(ctx, card, "CANCELLED", orderId);
}

/** An update/status/recharge/withdraw order reaches SUCCESS and its webhook goes out. */
export function completeOrder(ctx: SimContext, order: CardOrder): void {
  if (order.order_status === "SUCCESS" || order.order_status === "FAILED") return;
  const card = ctx.state.cards.get(order.card_id);
  const now = ctx.clock();
  order.order_status = order.fail ? "FAILED" : "SUCCESS";
  order.update_time = now;
  order.complete_time = now;
  if (!card) return;
  if (order.elevate_limit !== undefined) {
    if (!order.fail) card.card_limit = order.elevate_limit;
    card.update_time = now;
    // source_id is the card id for this event (fact sheet §6).
    ctx.webhooks.emit(
      order.fail ? "card.elevate_limit.failed" : "card.elevate_limit.succeeded",
      card.card_id,
      {
        card_id: card.card_id,
        card_limit: centsLoose(card.card_limit),
        card_currency: card.card_currency,
        available_balance: centsLoose(availableCents(ctx, card)),
        order_status: order.order_status,
        update_time: isoTime(now),
      },
    );
    return;
  }
  if (order.fail) {
    failOrder(ctx, order, card, now);
    return;
  }
  if (order.order_type === "CARD_UPDATE" && !order.target_status) {
    ctx.webhooks.emit(
      "card.update.succeeded",
      order.card_order_id,
      cardUpdateWebhookData(ctx, card, order),
    );
  } else if (order.order_type === "CARD_RECHARGE" || order.order_type === "CARD_WITHDRAW") {
    const type =
      order.order_type === "CARD_RECHARGE" ? "card.recharge.succeeded" : "card.withdraw.succeeded";
    ctx.webhooks.emit(type, order.card_order_id, {
      amount: centsLoose(order.amount),
      card_available_balance: centsLoose(availableCents(ctx, card)),
      card_currency: card.card_currency,
      card_id: card.card_id,
      card_status: card.card_status,
      complete_time: isoTime(now),
      order_status: "SUCCESS",
      update_time: isoTime(now),
    });
  }
}

/** A failing order (fail_after_success fault): undo its effect and send the `.failed` webhook. */
function failOrder(ctx: SimContext, order: CardOrder, card: Card, now: number): void {
  if (order.revert) Object.assign(card, order.revert);
  if (order.revert_issuing) {
    const back = order.revert_issuing;
    move(
      ctx,
      card.card_currency,
      back,
      back > 0 ? "CARD_WITHDRAW" : "CARD_RECHARGE",
      `Card order ${order.card_order_id} failed: reversed`,
    );
  }
  card.update_time = now;
  if (order.target_status) {
    ctx.webhooks.emit(
      "card.status.update.failed",
      order.card_order_id,
      statusWebhookData(ctx, card),
    );
  } else if (order.order_type === "CARD_UPDATE") {
    ctx.webhooks.emit(
      "card.update.failed",
      order.card_order_id,
      cardUpdateWebhookData(ctx, card, order),
    );
  } else if (order.order_type === "CARD_RECHARGE" || order.order_type === "CARD_WITHDRAW") {
    const type =
      order.order_type === "CARD_RECHARGE" ? "card.recharge.failed" : "card.withdraw.failed";
    ctx.webhooks.emit(type, order.card_order_id, {
      amount: centsLoose(order.amount),
      card_available_balance: centsLoose(availableCents(ctx, card)),
      card_currency: card.card_currency,
      card_id: card.card_id,
      card_status: card.card_status,
      complete_time: isoTime(now),
      order_status: "FAILED",
      update_time: isoTime(now),
    });
  }
}
