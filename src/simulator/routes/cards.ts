import type { FastifyInstance } from "fastify";
import { newOrder, setCardStatus } from "../cardflow.ts";
import { expiryFrom, generateCvv, generatePan, isLuhnValid } from "../cardnumber.ts";
import type { SimContext } from "../context.ts";
import { accountError, cardError, cardholderError, forbidden, invalidRequest } from "../errors.ts";
import { paginate, parseBody, type Query } from "../http.ts";
import { applyOptional, createCardholder, startReview } from "../kyc.ts";
import { move } from "../ledger.ts";
import { hasAtMostTwoDecimals, toCents } from "../money.ts";
import { findProduct, PRODUCTS, type Product, type RequiredField } from "../products.ts";
import { reqSim } from "../reqstate.ts";
import {
  activateBody,
  amountBody,
  assignBody,
  bothMccLists,
  type CardCreate,
  type CardholderCreate,
  cardCreate,
  cardStatusUpdate,
  cardUpdate,
  elevateLimitBody,
  ONE_STEP_FIELDS,
} from "../schemas.ts";
import type { Card, Cardholder } from "../state.ts";
import { isoTime } from "../time.ts";
import { cardholderWebhookData, cardListItem, cardView, idvFields, orderView } from "../views.ts";

const CARD_STATUSES = [
  "PENDING",
  "ACTIVE",
  "FROZEN",
  "BLOCKED",
  "PRE_CANCEL",
  "CANCELLED",
  "LOST",
  "STOLEN",
  "FAILED",
];
/** The sandbox BIN that supports ONE_TIME cards and simulated authorizations. */
export const SANDBOX_BIN = "40963608";

/** A fail_after_success fault fired for this request: answer normally, let the order FAIL. */
const failRequested = (raw: Parameters<typeof reqSim>[0]) =>
  reqSim(raw).fault?.kind === "fail_after_success";

export function findCard(ctx: SimContext, id: string): Card {
  const card = ctx.state.cards.get(id);
  if (!card) throw cardError("card_not_found", "card not found or deactivated");
  return card;
}

function cents(amount: number, field: string): number {
  if (!hasAtMostTwoDecimals(amount)) throw invalidRequest(`${field}: at most 2 decimal places`);
  return toCents(amount);
}

/** Fields the product's KYC level needs that the cardholder does not have. */
function missingFields(
  product: Product,
  ch: {
    nationality?: unknown;
    residential_address?: unknown;
    identity?: unknown;
    kyc_verification?: unknown;
  },
): RequiredField[] {
  if (product.kyc_level === "SIMPLIFIED") return [];
  const have: Record<string, boolean> = {
    nationality: ch.nationality !== undefined,
    residential_address: ch.residential_address !== undefined,
    identity: ch.identity !== undefined,
    kyc_verification: ch.kyc_verification !== undefined || product.kyc_level !== "ENHANCED",
  };
  return product.required_fields.filter((f) => f.required && have[f.name] === false);
}

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

function checkProduct(ctx: SimContext, input: CardCreate): Product {
  const product = findProduct(input.card_product_id);
  if (!product)
    throw accountError(
      "product_not_found",
      `card_product_id: product ${input.card_product_id} not found`,
    );
  if (product.product_status !== "ENABLED")
    throw accountError(
      "product_disabled",
      `card_product_id: product ${product.product_id} is DISABLED`,
    );
  if (!product.card_currency.includes(input.card_currency))
    throw invalidRequest(
      `card_currency: must be one of ${product.card_currency.join(", ")} for this product`,
    );
  if (input.usage_type === "ONE_TIME" && product.card_bin !== SANDBOX_BIN)
    throw cardError(
      "one_time_not_supported",
      "usage_type: ONE_TIME cards are not supported on this BIN",
    );
  let issued = 0;
  for (const c of ctx.state.cards.values()) if (c.card_product_id === product.product_id) issued++;
  if (issued >= product.max_card_quota)
    throw cardError("insufficient_sub_bin", "the BIN's card pool is used up");
  return product;
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

export function registerCardRoutes(app: FastifyInstance, ctx: SimContext): void {
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

  app.get("/api/v1/issuing/cards", async (req) => {
    const q = req.query as Query;
    if (q.card_status !== undefined && !CARD_STATUSES.includes(q.card_status))
      throw invalidRequest(`card_status: must be one of ${CARD_STATUSES.join(", ")}`);
    const all = [...ctx.state.cards.values()]
      .filter(
        (c) =>
          (q.card_status === undefined || c.card_status === q.card_status) &&
          (q.cardholder_id === undefined || c.cardholder_id === q.cardholder_id) &&
          (q.card_number === undefined || c.card_number === q.card_number),
      )
      .sort((a, b) => b.create_time - a.create_time);
    const page = paginate(all, q);
    return { ...page, data: page.data.map((c) => cardListItem(ctx, c)) };
  });

  app.get<{ Params: { id: string } }>("/api/v1/issuing/cards/:id", async (req) =>
    cardView(ctx, findCard(ctx, req.params.id)),
  );

  app.get<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/secure", async (req) => {
    if (!ctx.settings.securePermission)
      throw forbidden("this account has no permission to read sensitive card data");
    const card = findCard(ctx, req.params.id);
    return { card_number: card.card_number, cvv: card.cvv, expire_date: card.expire_date };
  });

  // The path id is documented only as "id"; the SDKs pass the card_order_id. Both are accepted:
  // a card_id answers with that card's most recent order.
  app.get<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/order", async (req) => {
    const byOrder = ctx.state.orders.get(req.params.id);
    if (byOrder) return orderView(byOrder);
    const card = findCard(ctx, req.params.id);
    const orders = [...ctx.state.orders.values()].filter((o) => o.card_id === card.card_id);
    const latest = orders.sort((a, b) => b.create_time - a.create_time)[0];
    if (!latest) throw cardError("card_order_not_found", "card order not found");
    return orderView(latest);
  });

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
    ctx.scheduler.add("order_complete", order.card_order_id, ctx.settings.orderDelayMs);
    return {
      card_id: card.card_id,
      card_order_id: order.card_order_id,
      order_status: "PENDING",
      update_reason: card.update_reason,
    };
  });

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

  app.post<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/token", async (req) => {
    const card = findCard(ctx, req.params.id);
    const now = ctx.clock();
    void card;
    return {
      token: ctx.rng.uuid().replaceAll("-", ""),
      expires_in: 60,
      expires_at: isoTime(now + 60_000),
    };
  });
}
