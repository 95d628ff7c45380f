import type { FastifyInstance } from "fastify";
import { newOrder } from "../cardflow.ts";
import type { SimContext } from "../context.ts";
import { cardError, invalidRequest } from "../errors.ts";
import { parseBody } from "../http.ts";
import { move } from "../ledger.ts";
import { amountBody, elevateLimitBody } from "../schemas.ts";
import type { Card } from "../state.ts";
import { orderView } from "../views.ts";
import { cents, failRequested, findCard } from "./card-rules.ts";

/** Money on a card: recharge, withdraw, and raising a SHARE card's limit. */

export function registerCardMoneyRoutes(app: FastifyInstance, ctx: SimContext): void {
  for (const kind of ["recharge", "withdraw"] as const) {
    app.post<{ Params: { id: string } }>(`/api/v1/issuing/cards/:id/${kind}`, async (req) => {
      const card = findCard(ctx, req.params.id);
      const amount = cents(parseBody(amountBody, req.body).amount, "amount");
      if (card.card_status !== "ACTIVE")
        throw cardError(
          "invalid_card_status",
          `card is ${card.card_status}; only ACTIVE cards can be ${kind === "recharge" ? "recharged" : "withdrawn from"}`,
        );
      if (card.usage_type === "ONE_TIME")
        throw cardError("one_time_card", `ONE_TIME cards cannot ${kind}`);
      const before: Partial<Card> = { balance: card.balance, card_limit: card.card_limit };
      const issuingBefore = ctx.state.balances.get(card.card_currency)?.available ?? 0;
      // v1.6 allows both modes. SINGLE moves money between the issuing balance and the card;
      // SHARE has no money on the card, so the cap (card_limit) moves instead.
      if (kind === "recharge") {
        if (card.mode_type === "SINGLE") {
          move(ctx, card.card_currency, -amount, "CARD_RECHARGE", `Card ${card.card_id} recharge`);
          card.balance += amount;
        }
        card.card_limit += amount;
      } else {
        const room = card.mode_type === "SINGLE" ? card.balance : card.card_limit - card.consumed;
        if (amount > room)
          throw cardError(
            "insufficient_card_balance",
            "amount: exceeds the card's available balance",
          );
        if (card.mode_type === "SINGLE") {
          move(ctx, card.card_currency, amount, "CARD_WITHDRAW", `Card ${card.card_id} withdraw`);
          card.balance -= amount;
        }
        card.card_limit -= amount;
      }
      card.update_time = ctx.clock();
      const order = newOrder(
        ctx,
        card,
        kind === "recharge" ? "CARD_RECHARGE" : "CARD_WITHDRAW",
        amount,
        "PROCESSING",
      );
      if (failRequested(req.raw)) {
        order.fail = true;
        order.revert = before;
        order.revert_issuing =
          issuingBefore - (ctx.state.balances.get(card.card_currency)?.available ?? 0);
      }
      ctx.scheduler.add("order_complete", order.card_order_id, ctx.settings.orderDelayMs);
      return orderView(order);
    });
  }

  // Paths from the Go/Python SDKs and the CLI; bodies partly UNCONFIRMED (see the fact sheet §4).
  app.post<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/elevate_limit", async (req) => {
    const card = findCard(ctx, req.params.id);
    const input = parseBody(elevateLimitBody, req.body);
    const wanted = input.card_limit ?? input.amount;
    if (wanted === undefined) throw invalidRequest("card_limit: is required");
    if (card.card_status !== "ACTIVE" && card.card_status !== "FROZEN")
      throw cardError(
        "invalid_card_status",
        `card is ${card.card_status}; its limit cannot change`,
      );
    if (card.mode_type === "SINGLE" || card.usage_type === "ONE_TIME")
      throw invalidRequest("card_limit: cannot be elevated for SINGLE or ONE_TIME cards");
    const cap = card.card_currency === "SGD" ? 100_000 : 80_000;
    if (wanted > cap)
      throw invalidRequest(`card_limit: at most ${cap} ${card.card_currency} can be granted`);
    const order = newOrder(ctx, card, "CARD_UPDATE", 0, "PROCESSING");
    order.elevate_limit = cents(wanted, "card_limit");
    if (failRequested(req.raw)) order.fail = true;
    ctx.scheduler.add("order_complete", order.card_order_id, ctx.settings.orderDelayMs);
    return {
      card_id: card.card_id,
      card_order_id: order.card_order_id,
      order_status: order.order_status,
    };
  });
}
