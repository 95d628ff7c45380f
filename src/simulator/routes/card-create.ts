import type { FastifyInstance } from "fastify";
import { newOrder } from "../cardflow.ts";
import { expiryFrom, generateCvv, generatePan, isLuhnValid } from "../cardnumber.ts";
import type { SimContext } from "../context.ts";
import { accountError, cardError, cardholderError, invalidRequest } from "../errors.ts";
import { parseBody } from "../http.ts";
import { applyOptional, createCardholder, startReview } from "../kyc.ts";
import { move } from "../ledger.ts";
import { PRODUCTS } from "../products.ts";
import { reqSim } from "../reqstate.ts";
import { assignBody, type CardholderCreate, cardCreate, ONE_STEP_FIELDS } from "../schemas.ts";
import type { Card, Cardholder } from "../state.ts";
import { isoTime } from "../time.ts";
import { cardholderWebhookData, idvFields } from "../views.ts";
import { cents, checkProduct, missingFields } from "./card-rules.ts";

/** Creating cards: a virtual card (with or without a new cardholder) and assigning a physical one. */

/**
 * The identifying fields may come along with a cardholder_id (an SDK may send the whole set) but
 * must be the cardholder's own: changing them is the cardholder update's job, and silently
 * ignoring a different value would hide a mistake.
 */
function checkSameHolder(ch: Cardholder, fields: Partial<CardholderCreate>): void {
  for (const name of ONE_STEP_FIELDS) {
    const given = fields[name];
    if (given === undefined) continue;
    const same =
      name === "email" ? given.toLowerCase() === ch.email.toLowerCase() : given === ch[name];
    if (!same)
      throw invalidRequest(
        `cardholder_required_fields.${name}: differs from cardholder ${ch.cardholder_id}'s; change it with POST /v1/issuing/cardholders/{id}`,
      );
  }
}

/** Store the added fields; new identity documents start the review of a cardholder not yet verified. */
function supplementCardholder(
  ctx: SimContext,
  ch: Cardholder,
  fields: Partial<CardholderCreate>,
  reviews: boolean,
): void {
  applyOptional(ch, fields);
  ch.update_time = ctx.clock();
  // Same rule as the cardholder update route: a verified cardholder stays verified.
  if (reviews && ch.cardholder_status !== "SUCCESS") startReview(ctx, ch);
  ctx.webhooks.emit("cardholder.updated", ch.cardholder_id, cardholderWebhookData(ch));
}

function uniquePan(ctx: SimContext, bin: string): string {
  // Card numbers are unique across every account, as real PANs are.
  const used = new Set(
    ctx.accounts.all().flatMap((s) => [...s.cards.values()].map((c) => c.card_number)),
  );
  for (;;) {
    const pan = generatePan(bin, ctx.rng);
    if (!used.has(pan)) return pan;
  }
}

export function registerCardCreateRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post("/api/v1/issuing/cards", async (req, reply) => {
    const input = parseBody(cardCreate, req.body);
    const product = checkProduct(ctx, input);
    const limit = cents(input.card_limit ?? 0, "card_limit");

    let ch: Cardholder | undefined;
    // With a cardholder_id, cardholder_required_fields adds what the product's KYC level needs.
    const supplement =
      input.cardholder_id !== undefined ? input.cardholder_required_fields : undefined;
    const reviews =
      supplement?.identity !== undefined || supplement?.kyc_verification !== undefined;
    if (input.cardholder_id !== undefined) {
      ch = ctx.state.cardholders.get(input.cardholder_id);
      if (!ch)
        throw cardholderError(
          "cardholder_not_found",
          `cardholder_id: cardholder ${input.cardholder_id} not found`,
        );
      if (supplement) checkSameHolder(ch, supplement);
      // A cardholder still in review can be given the documents that finish it; otherwise
      // cards go to SUCCESS cardholders only.
      if (ch.cardholder_status !== "SUCCESS" && !reviews)
        throw cardholderError(
          "kyc_insufficient",
          `cardholder ${ch.cardholder_id} has status ${ch.cardholder_status}; cards can only be issued to SUCCESS cardholders`,
          { missing_fields: [] },
        );
    }
    const holderFields = ch ? { ...ch, ...supplement } : input.cardholder_required_fields;
    const missing = holderFields ? missingFields(product, holderFields) : [];
    if (missing.length > 0)
      throw cardholderError(
        "kyc_insufficient",
        `the cardholder lacks fields required by the product's ${product.kyc_level} KYC level: ${missing.map((f) => f.name).join(", ")}`,
        { missing_fields: missing },
      );
    if (product.mode_type === "SINGLE") {
      const available = ctx.state.balances.get(input.card_currency)?.available ?? 0;
      if (available < limit)
        throw accountError(
          "insufficient_balance",
          `card_limit: exceeds the available ${input.card_currency} issuing balance`,
        );
    }
    let cardholderCreated = false;
    if (ch && supplement) supplementCardholder(ctx, ch, supplement, reviews);
    if (!ch && input.cardholder_required_fields) {
      // The schema made sure every ONE_STEP_FIELDS entry is present in one-step mode.
      ch = createCardholder(ctx, input.cardholder_required_fields as CardholderCreate);
      cardholderCreated = true;
    }
    if (!ch) throw invalidRequest("cardholder_id: is required");

    const now = ctx.clock();
    const card: Card = {
      card_id: ctx.rng.uuid(),
      card_product_id: product.product_id,
      cardholder_id: ch.cardholder_id,
      card_currency: input.card_currency,
      card_number: uniquePan(ctx, product.card_bin),
      cvv: generateCvv(ctx.rng),
      expire_date: expiryFrom(now),
      card_status: "PENDING",
      mode_type: product.mode_type,
      card_bin: product.card_bin,
      card_scheme: product.card_scheme,
      form_factor: "VIRTUAL",
      card_limit: limit,
      balance: 0,
      consumed: 0,
      no_pin_payment_amount: Number(product.no_pin_payment_amount[0]?.amount ?? 2000),
      spending_controls: input.spending_controls ?? [],
      risk_controls: { allow_3ds_transactions: "Y", ...(input.risk_controls ?? {}) },
      metadata: input.metadata ?? {},
      usage_type: input.usage_type,
      update_reason: "",
      create_time: now,
      update_time: now,
      create_order_id: "",
      fail_on_activate: reqSim(req.raw).fault?.kind === "fail_after_success",
      awaiting_kyc: ch.cardholder_status !== "SUCCESS",
    };
    if (input.name_on_card !== undefined) card.name_on_card = input.name_on_card;
    if (input.auto_cancel_trigger !== undefined)
      card.auto_cancel_trigger = input.auto_cancel_trigger;
    if (input.expiry_at !== undefined) card.expiry_at = input.expiry_at;
    if (product.mode_type === "SINGLE" && limit > 0) {
      move(ctx, card.card_currency, -limit, "CARD_RECHARGE", `Card ${card.card_id} initial load`);
      card.balance = limit;
    }
    const order = newOrder(ctx, card, "CARD_CREATE", limit, "PROCESSING");
    card.create_order_id = order.card_order_id;
    ctx.state.cards.set(card.card_id, card);
    if (!card.awaiting_kyc)
      ctx.scheduler.add("card_activate", card.card_id, ctx.settings.cardActivationDelayMs);

    const body: Record<string, unknown> = {
      card_id: card.card_id,
      card_order_id: order.card_order_id,
      create_time: isoTime(now),
      card_status: card.card_status,
      order_status: order.order_status,
    };
    if (input.cardholder_id === undefined || supplement) {
      body.cardholder_id = ch.cardholder_id;
      body.cardholder_created = cardholderCreated;
      body.cardholder_status = ch.cardholder_status;
      if (card.awaiting_kyc) body.verification_status = "UNDER_REVIEW";
      if (ch.idv) {
        body.kyc_method = "SUMSUB_REDIRECT";
        Object.assign(body, idvFields(ch));
      }
    }
    // 201 like the other creates (UNCONFIRMED; clients should accept any 2xx).
    return reply.code(201).send(body);
  });

  // Assigning a pre-printed physical card to a cardholder. UQPay assigns only numbers it has
  // provisioned; the simulator's stock is every unused Luhn-valid number on the BIN of an enabled
  // product with physical cards in that mode and currency. The card is PENDING until activated
  // (POST /cards/activate), as a mailed card is. Response shape: the Node SDK's (CreateCardResponse).
  app.post("/api/v1/issuing/cards/assign", async (req) => {
    const input = parseBody(assignBody, req.body);
    const ch = ctx.state.cardholders.get(input.cardholder_id);
    if (!ch)
      throw cardholderError(
        "cardholder_not_found",
        `cardholder_id: cardholder ${input.cardholder_id} not found`,
      );
    const product = PRODUCTS.find(
      (p) =>
        p.product_status === "ENABLED" &&
        p.card_form.includes("PHY") &&
        p.mode_type === input.card_mode &&
        input.card_number.startsWith(p.card_bin),
    );
    if (!product || !isLuhnValid(input.card_number))
      throw cardError(
        "card_not_found",
        `card_number: not a physical card provisioned for assignment in ${input.card_mode} mode`,
      );
    if (!product.card_currency.includes(input.card_currency))
      throw invalidRequest(
        `card_currency: must be one of ${product.card_currency.join(", ")} for this card`,
      );
    if ([...ctx.state.cards.values()].some((c) => c.card_number === input.card_number))
      throw cardError("card_already_assigned", "card_number: this card is already assigned");
    if (ch.cardholder_status !== "SUCCESS")
      throw cardholderError(
        "kyc_insufficient",
        `cardholder ${ch.cardholder_id} has status ${ch.cardholder_status}; cards can only be issued to SUCCESS cardholders`,
        { missing_fields: [] },
      );
    const missing = missingFields(product, ch);
    if (missing.length > 0)
      throw cardholderError(
        "kyc_insufficient",
        `the cardholder lacks fields required by the product's ${product.kyc_level} KYC level: ${missing.map((f) => f.name).join(", ")}`,
        { missing_fields: missing },
      );
    const now = ctx.clock();
    const card: Card = {
      card_id: ctx.rng.uuid(),
      card_product_id: product.product_id,
      cardholder_id: ch.cardholder_id,
      card_currency: input.card_currency,
      card_number: input.card_number,
      cvv: generateCvv(ctx.rng),
      expire_date: expiryFrom(now),
      card_status: "PENDING",
      mode_type: product.mode_type,
      card_bin: product.card_bin,
      card_scheme: product.card_scheme,
      form_factor: "PHYSICAL",
      card_limit: 0,
      balance: 0,
      consumed: 0,
      no_pin_payment_amount: Number(product.no_pin_payment_amount[0]?.amount ?? 2000),
      spending_controls: [],
      risk_controls: { allow_3ds_transactions: "Y" },
      metadata: {},
      usage_type: "NORMAL",
      update_reason: "",
      create_time: now,
      update_time: now,
      create_order_id: "",
      fail_on_activate: false,
      awaiting_kyc: false,
    };
    const order = newOrder(ctx, card, "CARD_CREATE", 0, "SUCCESS");
    order.complete_time = now;
    card.create_order_id = order.card_order_id;
    ctx.state.cards.set(card.card_id, card);
    return {
      card_id: card.card_id,
      card_order_id: order.card_order_id,
      create_time: isoTime(now),
      card_status: card.card_status,
      order_status: order.order_status,
      cardholder_status: ch.cardholder_status,
    };
  });
}
