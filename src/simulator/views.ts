/** Wire shapes: how the simulator presents its state, following the fact sheet field by field. */
import { maskPan, maskPanWebhook } from "./cardnumber.ts";
import type { SimContext } from "./context.ts";
import { centsLoose, centsStr, fromCents } from "./money.ts";
import { findProduct } from "./products.ts";
import type { Balance, BalanceTx, Card, Cardholder, CardOrder, CardTx } from "./state.ts";
import { isoTime, plainTime } from "./time.ts";

export function cardholderView(ctx: SimContext, ch: Cardholder) {
  let cards = 0;
  for (const c of ctx.state.cards.values()) if (c.cardholder_id === ch.cardholder_id) cards++;
  return {
    cardholder_id: ch.cardholder_id,
    email: ch.email,
    number_of_cards: cards,
    first_name: ch.first_name,
    last_name: ch.last_name,
    create_time: plainTime(ch.create_time),
    cardholder_status: ch.cardholder_status,
    date_of_birth: ch.date_of_birth ?? "",
    country_code: ch.country_code,
    phone_number: ch.phone_number,
    // Unset, these are left out rather than sent as {} or "": {} breaks the address type (country,
    // city, line1 required) and "" is no gender. UQPay leaves unset optional fields out (e.g.
    // enable_3ds "returned only when set", fact sheet §4); see FIDELITY.md.
    ...(ch.gender !== undefined ? { gender: ch.gender } : {}),
    nationality: ch.nationality ?? "",
    ...(ch.residential_address !== undefined
      ? { residential_address: ch.residential_address }
      : {}),
    ...(ch.delivery_address !== undefined ? { delivery_address: ch.delivery_address } : {}),
    review_status: ch.cardholder_status,
    idv_status:
      ch.cardholder_status === "SUCCESS"
        ? "PASSED"
        : ch.cardholder_status === "FAILED"
          ? "FAILED"
          : "PENDING",
    ...idvFields(ch),
    ...(ch.missing_fields ? { missing_fields: ch.missing_fields } : {}),
  };
}

/** idv_verification_url / idv_url_expires_at: set for SUMSUB_REDIRECT cardholders, else "". */
export function idvFields(ch: Cardholder) {
  return {
    idv_verification_url: ch.idv?.url ?? "",
    idv_url_expires_at: ch.idv ? isoTime(ch.idv.expires_at) : "",
  };
}

export function cardholderBrief(ch: Cardholder | undefined, id: string) {
  return {
    cardholder_id: id,
    cardholder_status: ch?.cardholder_status ?? "",
    create_time: ch ? plainTime(ch.create_time) : "",
    email: ch?.email ?? "",
    first_name: ch?.first_name ?? "",
    last_name: ch?.last_name ?? "",
  };
}

/** The cardholder.* webhook data shape. */
export function cardholderWebhookData(ch: Cardholder) {
  return {
    cardholder_id: ch.cardholder_id,
    cardholder_status: ch.cardholder_status,
    country_code: ch.country_code,
    create_time: plainTime(ch.create_time),
    // An unset date of birth has appeared upstream as "0001-01-01".
    date_of_birth: ch.date_of_birth ?? "0001-01-01",
    email: ch.email,
    first_name: ch.first_name,
    idv_provider: ch.idv ? "SUMSUB" : "",
    idv_status: ch.cardholder_status === "SUCCESS" ? "PASSED" : "",
    last_name: ch.last_name,
    nationality: ch.nationality ?? "",
    phone_number: ch.phone_number,
    update_time: plainTime(ch.update_time),
  };
}

/** SINGLE: what is on the card; SHARE: the cap left (0 cap = no cap), bounded by the issuing balance. */
export function availableCents(ctx: SimContext, card: Card): number {
  if (card.mode_type === "SINGLE") return card.balance;
  const issuing = ctx.state.balances.get(card.card_currency)?.available ?? 0;
  if (card.card_limit === 0) return issuing;
  return Math.max(0, Math.min(card.card_limit - card.consumed, issuing));
}

function noPin(card: Card): string {
  // The real API sends the odd string "2000USD".
  return `${card.no_pin_payment_amount}${card.card_currency}`;
}

export function cardView(ctx: SimContext, card: Card) {
  return {
    card_id: card.card_id,
    card_bin: card.card_bin,
    card_scheme: card.card_scheme,
    card_number: maskPan(card.card_number),
    form_factor: card.form_factor,
    mode_type: card.mode_type,
    card_limit: fromCents(card.card_limit),
    available_balance: fromCents(availableCents(ctx, card)),
    cardholder: (() => {
      const ch = ctx.state.cardholders.get(card.cardholder_id);
      return ch ? cardholderView(ctx, ch) : cardholderBrief(undefined, card.cardholder_id);
    })(),
    no_pin_payment_amount: noPin(card),
    card_status: card.card_status,
    card_currency: card.card_currency,
    card_product_id: card.card_product_id,
    name_on_card: card.name_on_card ?? "",
    spending_controls: card.spending_controls,
    risk_controls: card.risk_controls,
    metadata: card.metadata,
    update_reason: card.update_reason,
    consumed_amount: centsStr(card.consumed),
    usage_type: card.usage_type,
    create_time: isoTime(card.create_time),
    update_time: isoTime(card.update_time),
  };
}

export function cardListItem(ctx: SimContext, card: Card) {
  return {
    ...cardView(ctx, card),
    cardholder: cardholderBrief(ctx.state.cardholders.get(card.cardholder_id), card.cardholder_id),
  };
}

export function orderView(o: CardOrder) {
  return {
    card_id: o.card_id,
    card_order_id: o.card_order_id,
    order_type: o.order_type,
    amount: fromCents(o.amount),
    card_currency: o.card_currency,
    create_time: isoTime(o.create_time),
    update_time: isoTime(o.update_time),
    complete_time: o.complete_time === null ? "" : isoTime(o.complete_time),
    order_status: o.order_status,
  };
}

export function balanceView(b: Balance) {
  return {
    balance_id: b.balance_id,
    currency: b.currency,
    available_balance: fromCents(b.available),
    margin_balance: fromCents(b.margin),
    frozen_balance: fromCents(b.frozen),
    create_time: isoTime(b.create_time),
    last_trade_time: isoTime(b.last_trade_time),
    balance_status: "ACTIVE",
  };
}

export function balanceTxView(ctx: SimContext, t: BalanceTx) {
  return {
    transaction_id: t.transaction_id,
    short_transaction_id: t.short_transaction_id,
    account_id: ctx.state.accountId,
    balance_id: t.balance_id,
    transaction_type: t.transaction_type,
    currency: t.currency,
    amount: fromCents(t.amount),
    create_time: isoTime(t.create_time),
    complete_time: isoTime(t.complete_time),
    transaction_status: t.transaction_status,
    ending_balance: fromCents(t.ending_balance),
    description: t.description,
  };
}

export function cardTxView(ctx: SimContext, t: CardTx) {
  const card = ctx.state.cards.get(t.card_id);
  return {
    card_id: t.card_id,
    card_number: card ? maskPan(card.card_number) : "",
    cardholder_id: card?.cardholder_id ?? "",
    transaction_id: t.transaction_id,
    short_transaction_id: t.short_transaction_id,
    original_transaction_id: t.original_transaction_id,
    transaction_type: t.transaction_type,
    transaction_fee: 0,
    transaction_fee_currency: t.billing_currency,
    fee_pass_through: "N",
    card_available_balance: fromCents(t.card_available_balance),
    authorization_code: t.authorization_code,
    billing_amount: fromCents(t.billing_amount),
    billing_currency: t.billing_currency,
    transaction_amount: fromCents(t.transaction_amount),
    transaction_currency: t.transaction_currency,
    transaction_time: isoTime(t.time),
    posted_time: isoTime(t.time),
    merchant_data: t.merchant,
    description: t.description,
    transaction_status: t.transaction_status,
    wallet_type: "",
  };
}

/** The simulation endpoints still say failure_reason instead of description. */
export function simulationTxView(ctx: SimContext, t: CardTx) {
  const {
    description,
    transaction_fee,
    transaction_fee_currency,
    fee_pass_through,
    wallet_type,
    short_transaction_id,
    original_transaction_id,
    ...rest
  } = cardTxView(ctx, t);
  void transaction_fee;
  void transaction_fee_currency;
  void fee_pass_through;
  void wallet_type;
  void short_transaction_id;
  void original_transaction_id;
  return { ...rest, failure_reason: t.transaction_status === "DECLINED" ? description : "" };
}

/** issuing.transaction.* webhook: every field a string, merchant_data an array (sandbox sample). */
export function cardTxWebhookData(ctx: SimContext, t: CardTx) {
  const v = cardTxView(ctx, t);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === "merchant_data") out[k] = [val];
    else out[k] = typeof val === "number" ? String(val) : val;
  }
  return out;
}

export function cardWebhookData(ctx: SimContext, card: Card) {
  return {
    card_available_balance: centsLoose(availableCents(ctx, card)),
    card_bin: card.card_bin,
    card_id: card.card_id,
    card_number: maskPanWebhook(card.card_number),
    card_product_id: card.card_product_id,
    card_scheme: card.card_scheme,
    card_status: card.card_status,
    cardholder: cardholderBrief(ctx.state.cardholders.get(card.cardholder_id), card.cardholder_id),
    form_factor: card.form_factor,
    metadata: card.metadata,
    mode_type: card.mode_type,
    // The create sample really says risk_control and spending_limits.
    risk_control: {
      allow_3ds_transactions: card.risk_controls.allow_3ds_transactions ?? "Y",
      enable_3ds: card.risk_controls.enable_3ds ?? "",
    },
    spending_limits: card.spending_controls.map((s) => ({
      amount: String(s.amount),
      interval: s.interval,
    })),
  };
}

export function cardUpdateWebhookData(ctx: SimContext, card: Card, order: CardOrder) {
  const { spending_limits, ...base } = cardWebhookData(ctx, card);
  return {
    ...base,
    available_balance: centsLoose(availableCents(ctx, card)),
    card_currency: card.card_currency,
    card_limit: centsLoose(card.card_limit),
    card_order_id: order.card_order_id,
    no_pin_payment_amount: String(card.no_pin_payment_amount),
    order_status: order.order_status.toLowerCase(),
    spending_controls: spending_limits,
  };
}

export function productOf(card: Card) {
  return findProduct(card.card_product_id);
}
