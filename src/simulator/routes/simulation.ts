/** Sandbox-only: simulated authorizations and reversals (fact sheet §7). */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { newOrder, setCardStatus } from "../cardflow.ts";
import type { SimContext } from "../context.ts";
import { isCountryCode } from "../countries.ts";
import { DECLINES, declineReason } from "../decline.ts";
import { accountError, cardError, invalidRequest } from "../errors.ts";
import { parseBody } from "../http.ts";
import { move, shortId } from "../ledger.ts";
import { centsLoose, convertCents, hasAtMostTwoDecimals, toCents } from "../money.ts";
import { decimal } from "../schemas.ts";
import type { Card, CardTx } from "../state.ts";
import { isoTime } from "../time.ts";
import { availableCents, cardTxWebhookData, simulationTxView } from "../views.ts";
import { SANDBOX_BIN } from "./card-rules.ts";

const authBody = z.object({
  card_id: z.string().min(1),
  transaction_amount: decimal
    .pipe(z.number().positive())
    .refine(hasAtMostTwoDecimals, "at most 2 decimal places"),
  transaction_currency: z.string().length(3).or(z.literal("XUSD")),
  merchant_name: z.string().min(1),
  // The docs show 5734 both as a number and as a string.
  merchant_category_code: z
    .union([z.number(), z.string()])
    .transform(String)
    .refine((mcc) => /^\d{4}$/.test(mcc), "must be a 4-digit merchant category code"),
  // Not UQPay's: the built-in simulator's extension, so a test names where the merchant is
  // (UQPay's sandbox reports its own). Absent: Singapore, SG.
  merchant_city: z.string().min(1).max(64).optional(),
  merchant_country: z
    .string()
    .refine(isCountryCode, "must be an ISO 3166-1 alpha-2 country code")
    .optional(),
  // Not in the docs; the Node SDK sends it. DECLINED asks for a declined authorization.
  // APPROVED (or nothing) is an ordinary attempt: the card's rules still apply.
  transaction_status: z.enum(["APPROVED", "DECLINED"]).optional(),
});

function debit(ctx: SimContext, card: Card, cents: number, type: string, what: string): void {
  if (card.mode_type === "SINGLE") card.balance -= cents;
  else move(ctx, card.card_currency, -cents, type, what);
  card.consumed += cents;
}

/** POST /v1/simulation/deposit, as the Node SDK sends it (not in the v1.6 docs). */
const depositBody = z.object({
  account_id: z.string().min(1),
  amount: decimal.pipe(
    z
      .number()
      .positive()
      .max(1_000_000_000)
      .refine(hasAtMostTwoDecimals, "at most 2 decimal places"),
  ),
  currency: z.string().regex(/^[A-Z]{3,4}$/, "must be an upper-case currency code"),
  sender_swift_code: z
    .string()
    .regex(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/, "must be an 8 or 11 character SWIFT/BIC code"),
  receiver_account_number: z.string().max(64).optional(),
  sender_account_number: z.string().max(64).optional(),
  sender_country: z
    .string()
    .refine(isCountryCode, "must be an ISO 3166-1 alpha-2 country code")
    .optional(),
  sender_name: z.string().max(140).optional(),
});

export function registerSimulationRoutes(app: FastifyInstance, ctx: SimContext): void {
  // A bank deposit lands in the account. The simulator has one balance per currency (the
  // issuing balance), so that is what it credits, at once (upstream a person approves it).
  app.post("/api/v1/simulation/deposit", async (req) => {
    const input = parseBody(depositBody, req.body);
    if (input.account_id !== ctx.state.accountId)
      throw accountError("sub_account_not_found", "account_id: account not found");
    const cents = toCents(input.amount);
    const now = ctx.clock();
    const depositId = ctx.rng.uuid();
    move(ctx, input.currency, cents, "DEPOSIT", `Simulated deposit ${depositId}`);
    const sender = {
      ...(input.sender_name !== undefined ? { sender_name: input.sender_name } : {}),
      ...(input.sender_country !== undefined ? { sender_country: input.sender_country } : {}),
      ...(input.sender_account_number !== undefined
        ? { sender_account_number: input.sender_account_number }
        : {}),
      sender_swift_code: input.sender_swift_code,
    };
    return {
      deposit_id: depositId,
      short_reference_id: shortId(ctx, now),
      amount: centsLoose(cents),
      currency: input.currency,
      deposit_status: "COMPLETED",
      create_time: isoTime(now),
      complete_time: isoTime(now),
      ...(input.receiver_account_number !== undefined
        ? { receiver_account_number: input.receiver_account_number }
        : {}),
      sender,
    };
  });

  app.post("/api/v1/simulation/issuing/authorization", async (req) => {
    const input = parseBody(authBody, req.body);
    const card = ctx.state.cards.get(input.card_id);
    if (!card || card.card_bin !== SANDBOX_BIN)
      throw cardError("card_not_found", "Card does not exists");
    // UQPay's public sandbox simulates MCC 5734 only; ours any, unless told to be the sandbox.
    if (ctx.settings.sandboxMccOnly && input.merchant_category_code !== "5734")
      throw invalidRequest("merchant_category_code: only 5734 can be simulated");
    const now = ctx.clock();
    const billing = convertCents(
      toCents(input.transaction_amount),
      input.transaction_currency,
      card.card_currency,
    );
    // A frozen or cancelled card, a control or a short balance is a DECLINED transaction (with
    // its webhook), not an API error: that is what a real authorization looks like to the platform.
    const decline =
      declineReason(ctx, card, input.merchant_category_code, billing) ||
      (input.transaction_status === "DECLINED" ? DECLINES.requested : "");
    if (!decline)
      debit(ctx, card, billing, "ISSUING_AUTHORIZATION", `Authorization at ${input.merchant_name}`);
    const tx: CardTx = {
      transaction_id: ctx.rng.uuid(),
      short_transaction_id: shortId(ctx, now),
      original_transaction_id: "",
      card_id: card.card_id,
      transaction_type: "AUTHORIZATION",
      transaction_status: decline ? "DECLINED" : "APPROVED",
      transaction_amount: toCents(input.transaction_amount),
      transaction_currency: input.transaction_currency,
      billing_amount: billing,
      billing_currency: card.card_currency,
      card_available_balance: availableCents(ctx, card),
      authorization_code: decline ? "" : ctx.rng.alnum(6),
      merchant: {
        name: input.merchant_name,
        category_code: input.merchant_category_code,
        city: input.merchant_city ?? "Singapore",
        country: input.merchant_country ?? "SG",
      },
      description: decline || "1000 - Authorization Approval",
      time: now,
      reversed: false,
    };
    ctx.state.cardTxs.set(tx.transaction_id, tx);
    ctx.webhooks.emit(
      "issuing.transaction.authorization",
      tx.transaction_id,
      cardTxWebhookData(ctx, tx),
    );
    // A ONE_TIME card cancels itself after its first approved authorization (ON_AUTH; the
    // simulator has no captures, so ON_CAPTURE behaves the same). Leftovers go back in finishCancel.
    if (!decline && card.usage_type === "ONE_TIME") {
      const order = newOrder(ctx, card, "CARD_UPDATE", 0, "SUCCESS");
      card.update_reason = "ONE_TIME card used";
      setCardStatus(ctx, card, "PRE_CANCEL", order.card_order_id);
      ctx.scheduler.add("card_cancel", card.card_id, ctx.settings.preCancelDelayMs, {
        order_id: order.card_order_id,
      });
    }
    return simulationTxView(ctx, tx);
  });

  app.post("/api/v1/simulation/issuing/reversal", async (req) => {
    const { transaction_id } = parseBody(z.object({ transaction_id: z.string().min(1) }), req.body);
    const orig = ctx.state.cardTxs.get(transaction_id);
    if (orig?.transaction_type !== "AUTHORIZATION" || orig.transaction_status !== "APPROVED")
      throw invalidRequest(
        "transaction_id: must be an approved authorization",
        "transaction_not_found",
      );
    if (orig.reversed)
      throw invalidRequest("transaction_id: already reversed", "transaction_already_reversed");
    const card = ctx.state.cards.get(orig.card_id);
    if (!card) throw cardError("card_not_found", "Card does not exists");
    debit(
      ctx,
      card,
      -orig.billing_amount,
      "ISSUING_REVERSAL",
      `Reversal of ${orig.transaction_id}`,
    );
    orig.reversed = true;
    const now = ctx.clock();
    const tx: CardTx = {
      ...orig,
      transaction_id: ctx.rng.uuid(),
      short_transaction_id: shortId(ctx, now),
      original_transaction_id: orig.transaction_id,
      transaction_type: "REVERSAL",
      card_available_balance: availableCents(ctx, card),
      description: "1000 - Reversal Approval",
      time: now,
      reversed: false,
    };
    ctx.state.cardTxs.set(tx.transaction_id, tx);
    ctx.webhooks.emit(
      "issuing.transaction.reversal",
      tx.transaction_id,
      cardTxWebhookData(ctx, tx),
    );
    return simulationTxView(ctx, tx);
  });
}
