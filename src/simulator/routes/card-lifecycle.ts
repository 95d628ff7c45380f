import type { FastifyInstance } from "fastify";
import { completeOrder, newOrder, setCardStatus } from "../cardflow.ts";
import type { SimContext } from "../context.ts";
import { cardError, invalidRequest } from "../errors.ts";
import { parseBody } from "../http.ts";
import { activateBody, bothMccLists, cardStatusUpdate, cardUpdate } from "../schemas.ts";
import type { Card } from "../state.ts";
import { cents, failRequested, findCard } from "./card-rules.ts";

/** A card's life after creation: updates, status changes, activating a physical card. */

export function registerCardLifecycleRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post<{ Params: { id: string } }>("/api/v1/issuing/cards/:id", async (req) => {
    const card = findCard(ctx, req.params.id);
    const input = parseBody(cardUpdate, req.body);
    if (["CANCELLED", "PRE_CANCEL", "FAILED", "BLOCKED"].includes(card.card_status))
      throw cardError("invalid_card_status", `card is ${card.card_status} and cannot be updated`);
    // Controls merge into the card's: adding one MCC list while the other is set is the same
    // "use one, not both" mistake as sending both (send the other as null to switch).
    if (
      input.risk_controls !== undefined &&
      bothMccLists({ ...card.risk_controls, ...input.risk_controls })
    )
      throw invalidRequest(
        "risk_controls.blocked_mcc: cannot be combined with allowed_mcc; send the other list as null to switch",
      );
    const failing = failRequested(req.raw);
    const before: Partial<Card> = {
      card_limit: card.card_limit,
      name_on_card: card.name_on_card,
      no_pin_payment_amount: card.no_pin_payment_amount,
      spending_controls: card.spending_controls,
      risk_controls: card.risk_controls,
      metadata: card.metadata,
    };
    if (input.card_limit !== undefined) {
      if (card.mode_type === "SINGLE")
        throw invalidRequest("card_limit: cannot be changed for SINGLE cards");
      if (card.usage_type === "ONE_TIME")
        throw invalidRequest("card_limit: cannot be changed for ONE_TIME cards");
      card.card_limit = cents(input.card_limit, "card_limit");
    }
    if (input.name_on_card !== undefined) card.name_on_card = input.name_on_card;
    if (input.no_pin_payment_amount !== undefined)
      card.no_pin_payment_amount = input.no_pin_payment_amount;
    if (input.spending_controls !== undefined) card.spending_controls = input.spending_controls;
    if (input.risk_controls !== undefined)
      card.risk_controls = { ...card.risk_controls, ...input.risk_controls };
    if (input.metadata !== undefined) card.metadata = input.metadata;
    card.update_time = ctx.clock();
    const order = newOrder(ctx, card, "CARD_UPDATE", 0, "PROCESSING");
    if (failing) {
      order.fail = true;
      order.revert = before;
    }
    ctx.scheduler.add("order_complete", order.card_order_id, ctx.settings.orderDelayMs);
    return {
      card_id: card.card_id,
      card_order_id: order.card_order_id,
      card_status: card.card_status,
      order_status: order.order_status,
    };
  });

  app.post<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/status", async (req) => {
    const card = findCard(ctx, req.params.id);
    const input = parseBody(cardStatusUpdate, req.body);
    const from = card.card_status;
    const allowed =
      (from === "ACTIVE" && input.card_status !== "ACTIVE") ||
      (from === "FROZEN" && input.card_status !== "FROZEN");
    if (!allowed)
      throw cardError(
        "invalid_status_transition",
        `card_status: cannot change a ${from} card to ${input.card_status}`,
      );
    card.update_reason = input.update_reason ?? "";
    const order = newOrder(ctx, card, "CARD_UPDATE", 0, "PENDING");
    // CANCELLED goes through PRE_CANCEL first (30 days upstream; preCancelDelayMs here).
    const target = input.card_status === "CANCELLED" ? "PRE_CANCEL" : input.card_status;
    order.target_status = target;
    if (failRequested(req.raw)) {
      // The order will fail: the card keeps its status; card.status.update.failed follows.
      order.fail = true;
      ctx.scheduler.add("order_complete", order.card_order_id, ctx.settings.orderDelayMs);
      return {
        card_id: card.card_id,
        card_order_id: order.card_order_id,
        order_status: "PENDING",
        update_reason: card.update_reason,
      };
    }
    setCardStatus(ctx, card, target, order.card_order_id);
    if (target === "PRE_CANCEL")
      ctx.scheduler.add("card_cancel", card.card_id, ctx.settings.preCancelDelayMs, {
        order_id: order.card_order_id,
      });
    // The status and its .succeeded webhook are already out: the order is done, so reading it
    // back (recovery) says SUCCESS rather than PENDING after the webhook. The answer still says
    // PENDING, as documented.
    completeOrder(ctx, order);
    return {
      card_id: card.card_id,
      card_order_id: order.card_order_id,
      order_status: "PENDING",
      update_reason: card.update_reason,
    };
  });

  // Physical cards arrive inactive and are activated with the code from the mailer. Only an
  // assigned physical card (POST /cards/assign) is PENDING here; virtual cards are refused.
  app.post("/api/v1/issuing/cards/activate", async (req) => {
    const input = parseBody(activateBody, req.body);
    const card = findCard(ctx, input.card_id);
    if (card.form_factor !== "PHYSICAL" || card.card_status !== "PENDING")
      throw cardError(
        "card_not_activatable",
        `card is a ${card.form_factor} ${card.card_status} card; only pending physical cards can be activated`,
      );
    card.card_status = "ACTIVE";
    card.update_time = ctx.clock();
    if (input.no_pin_payment_amount !== undefined)
      card.no_pin_payment_amount = input.no_pin_payment_amount;
    return { request_status: "SUCCESS" };
  });
}
