/**
 * Admin knobs for card transactions the sandbox API cannot simulate (fact sheet §5/§6): the
 * network settles an authorization, a merchant refunds, UQPay charges a card fee. Each writes a
 * card transaction, moves money like the real thing and sends its webhook.
 *
 *   POST /__sim/transactions/:id/settle   {amount?}  settle an APPROVED authorization (default: its
 *                                         billing amount). The money left at authorization, so a
 *                                         settlement for less gives the difference back, for more
 *                                         takes the extra. → issuing.transaction.settlement.debit
 *   POST /__sim/transactions/:id/refund   {amount?} a merchant refunds a purchase: an APPROVED
 *                                         authorization (settled or not, never reversed) or its
 *                                         settlement; default and maximum: what is left of the
 *                                         purchase (its settled amount, else its billing amount).
 *                                         Credits the card like the card refund below.
 *                                         → issuing.transaction.refund
 *   POST /__sim/cards/:id/refund          {amount, merchant_name?} credit the card (SINGLE: the card
 *                                         balance; SHARE: the issuing balance). → issuing.transaction.refund
 *   POST /__sim/cards/:id/fee             {amount, remark?} debit a card fee (fee_pass_through Y)
 *                                         → issuing.fee.card
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { SimContext } from "./context.ts";
import { cardError, invalidRequest } from "./errors.ts";
import { parseBody } from "./http.ts";
import { move, shortId } from "./ledger.ts";
import { hasAtMostTwoDecimals, toCents } from "./money.ts";
import type { Card, CardTx } from "./state.ts";
import { availableCents, cardTxWebhookData } from "./views.ts";

const money = z.number().positive().refine(hasAtMostTwoDecimals, "at most 2 decimal places");

/** Positive cents leave the card (debit), negative come back (credit). */
function charge(ctx: SimContext, card: Card, cents: number, type: string, what: string): void {
  if (card.mode_type === "SINGLE") {
    if (card.balance - cents < 0) throw invalidRequest("amount: exceeds the card's balance");
    card.balance -= cents;
  } else move(ctx, card.card_currency, -cents, type, what);
  card.consumed = Math.max(0, card.consumed + cents);
}

function record(
  ctx: SimContext,
  card: Card,
  base: Partial<CardTx> & Pick<CardTx, "transaction_type" | "billing_amount" | "description">,
  eventType: string,
): CardTx {
  const now = ctx.clock();
  const tx: CardTx = {
    transaction_id: ctx.rng.uuid(),
    short_transaction_id: shortId(ctx, now),
    original_transaction_id: "",
    card_id: card.card_id,
    transaction_status: "APPROVED",
    transaction_amount: base.billing_amount,
    transaction_currency: card.card_currency,
    billing_currency: card.card_currency,
    card_available_balance: availableCents(ctx, card),
    authorization_code: "",
    merchant: { name: "", category_code: "", city: "", country: "" },
    time: now,
    reversed: false,
    ...base,
  };
  ctx.state.cardTxs.set(tx.transaction_id, tx);
  ctx.webhooks.emit(eventType, tx.transaction_id, cardTxWebhookData(ctx, tx));
  ctx.changed();
  return tx;
}

export function registerAdminTransactionRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post<{ Params: { id: string } }>("/__sim/transactions/:id/settle", async (req) => {
    const auth = ctx.state.cardTxs.get(req.params.id);
    if (auth?.transaction_type !== "AUTHORIZATION" || auth.transaction_status !== "APPROVED")
      throw invalidRequest(
        "transaction: must be an approved authorization",
        "transaction_not_found",
      );
    if (auth.reversed) throw invalidRequest("transaction: already reversed or settled");
    const card = ctx.state.cards.get(auth.card_id);
    if (!card) throw cardError("card_not_found", "card not found");
    const { amount } = parseBody(z.object({ amount: money.optional() }), req.body);
    const cents = amount === undefined ? auth.billing_amount : toCents(amount);
    const diff = cents - auth.billing_amount;
    if (diff !== 0)
      charge(ctx, card, diff, "SETTLEMENT_DEBIT", `Settlement of ${auth.transaction_id}`);
    auth.reversed = true; // settled: can no longer be reversed
    auth.settled_amount = cents;
    const tx = record(
      ctx,
      card,
      {
        transaction_type: "SETTLEMENT DEBIT",
        original_transaction_id: auth.transaction_id,
        billing_amount: cents,
        transaction_amount: cents,
        transaction_currency: auth.transaction_currency,
        authorization_code: auth.authorization_code,
        merchant: auth.merchant,
        description: "Settlement",
      },
      "issuing.transaction.settlement.debit",
    );
    return { transaction_id: tx.transaction_id };
  });

  app.post<{ Params: { id: string } }>("/__sim/transactions/:id/refund", async (req) => {
    const given = ctx.state.cardTxs.get(req.params.id);
    // A settlement is refunded as the purchase it settles: one running total per purchase.
    const purchase =
      given?.transaction_type === "SETTLEMENT DEBIT"
        ? ctx.state.cardTxs.get(given.original_transaction_id)
        : given;
    const refundable =
      given &&
      purchase?.transaction_type === "AUTHORIZATION" &&
      purchase.transaction_status === "APPROVED" &&
      (purchase.settled_amount !== undefined || !purchase.reversed);
    if (!given || !purchase || !refundable)
      throw invalidRequest(
        "transaction: must be an approved, unreversed purchase or its settlement",
        "transaction_not_found",
      );
    const card = ctx.state.cards.get(purchase.card_id);
    if (!card) throw cardError("card_not_found", "card not found");
    const { amount } = parseBody(z.object({ amount: money.optional() }), req.body);
    const left = (purchase.settled_amount ?? purchase.billing_amount) - (purchase.refunded ?? 0);
    const cents = amount === undefined ? left : toCents(amount);
    if (cents <= 0 || cents > left)
      throw invalidRequest(`amount: at most ${left / 100} is left to refund`);
    charge(ctx, card, -cents, "ISSUING_REFUND", `Refund of ${given.transaction_id}`);
    purchase.refunded = (purchase.refunded ?? 0) + cents;
    const tx = record(
      ctx,
      card,
      {
        transaction_type: "REFUND",
        original_transaction_id: given.transaction_id,
        billing_amount: cents,
        merchant: purchase.merchant,
        description: "Refund",
      },
      "issuing.transaction.refund",
    );
    return { transaction_id: tx.transaction_id };
  });

  app.post<{ Params: { id: string } }>("/__sim/cards/:id/refund", async (req) => {
    const card = ctx.state.cards.get(req.params.id);
    if (!card) throw cardError("card_not_found", "card not found");
    const b = parseBody(
      z.object({ amount: money, merchant_name: z.string().optional() }),
      req.body,
    );
    const cents = toCents(b.amount);
    charge(ctx, card, -cents, "ISSUING_REFUND", "Merchant refund");
    const tx = record(
      ctx,
      card,
      {
        transaction_type: "REFUND",
        billing_amount: cents,
        merchant: {
          name: b.merchant_name ?? "Shop",
          category_code: "5734",
          city: "Singapore",
          country: "SG",
        },
        description: "Refund",
      },
      "issuing.transaction.refund",
    );
    return { transaction_id: tx.transaction_id };
  });

  app.post<{ Params: { id: string } }>("/__sim/cards/:id/fee", async (req) => {
    const card = ctx.state.cards.get(req.params.id);
    if (!card) throw cardError("card_not_found", "card not found");
    const b = parseBody(z.object({ amount: money, remark: z.string().optional() }), req.body);
    const cents = toCents(b.amount);
    charge(ctx, card, cents, "FEE", b.remark ?? "Card fee");
    const tx = record(
      ctx,
      card,
      { transaction_type: "FEE", billing_amount: cents, description: b.remark ?? "Card fee" },
      "issuing.fee.card",
    );
    return { transaction_id: tx.transaction_id };
  });
}
