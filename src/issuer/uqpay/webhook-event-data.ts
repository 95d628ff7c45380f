import { z } from "zod";
import { amount } from "./types.ts";

/** UQPay Issuing webhook event types and the `data` of each (tolerances: webhook-events.ts). */

const str = z.string().nullish();
const num = amount.nullish();

export const CARD_ORDER_EVENT_TYPES = [
  "card.create.succeeded",
  "card.create.failed",
  "card.update.succeeded",
  "card.update.failed",
  "card.status.update.succeeded",
  "card.status.update.failed",
  "card.recharge.succeeded",
  "card.recharge.failed",
  "card.withdraw.succeeded",
  "card.withdraw.failed",
  "card.elevate_limit.succeeded",
  "card.elevate_limit.failed",
] as const;

export const TRANSACTION_EVENT_TYPES = [
  "issuing.transaction.authorization",
  "issuing.transaction.reversal",
  "issuing.transaction.refund",
  "issuing.transaction.settlement.credit",
  "issuing.transaction.settlement.debit",
  "issuing.transaction.settlement.reversal",
  "issuing.transaction.fund.collection",
  "issuing.transaction.fund.transfer",
  "issuing.transaction.validation",
  "issuing.transaction.atm.deposit",
  "issuing.transaction.chargeback.credit",
  "issuing.transaction.chargeback.debit",
] as const;

export const CARDHOLDER_EVENT_TYPES = [
  "cardholder.kyc.status_changed",
  "cardholder.updated",
] as const;
export const CARD_NOTICE_EVENT_TYPES = [
  "card.activation.code",
  "card.activated",
  "card.verification.otp",
] as const;
export const FEE_EVENT_TYPES = ["issuing.fee.card"] as const;

export const ISSUING_EVENT_TYPES = [
  ...CARD_ORDER_EVENT_TYPES,
  ...TRANSACTION_EVENT_TYPES,
  ...CARDHOLDER_EVENT_TYPES,
  ...CARD_NOTICE_EVENT_TYPES,
  ...FEE_EVENT_TYPES,
] as const;
export type IssuingEventType = (typeof ISSUING_EVENT_TYPES)[number];

const cardholderBrief = z.looseObject({
  cardholder_id: str,
  cardholder_status: str,
  create_time: str,
  email: str,
  first_name: str,
  last_name: str,
});
const limitItem = z.looseObject({ amount: num, interval: str });

/** card.create.* / card.update.* (create uses risk_control + spending_limits, update spending_controls). */
export const cardEventData = z.looseObject({
  card_id: z.string().min(1),
  card_available_balance: num,
  available_balance: num,
  card_bin: str,
  card_number: str,
  card_product_id: str,
  card_scheme: str,
  card_status: str,
  card_currency: str,
  card_limit: num,
  card_order_id: str,
  cardholder: cardholderBrief.nullish(),
  form_factor: str,
  metadata: z.record(z.string(), z.unknown()).nullish(),
  mode_type: str,
  no_pin_payment_amount: num,
  /** "success" (lowercase) in the update sample. */
  order_status: str,
  risk_control: z.record(z.string(), z.unknown()).nullish(),
  risk_controls: z.record(z.string(), z.unknown()).nullish(),
  spending_limits: z.array(limitItem).nullish(),
  spending_controls: z.array(limitItem).nullish(),
});
export type CardEventData = z.output<typeof cardEventData>;

/** card.status.update.* */
export const cardStatusEventData = z.looseObject({
  card_id: z.string().min(1),
  card_number: str,
  card_status: z.string(),
  update_reason: str,
  update_time: str,
  available_balance: num,
  currency: str,
});
export type CardStatusEventData = z.output<typeof cardStatusEventData>;

/** card.recharge.* / card.withdraw.* */
export const cardMoneyEventData = z.looseObject({
  card_id: z.string().min(1),
  amount: num,
  card_available_balance: num,
  card_currency: str,
  card_status: str,
  complete_time: str,
  order_status: str,
  update_time: str,
});
export type CardMoneyEventData = z.output<typeof cardMoneyEventData>;

const merchant = z.looseObject({
  category_code: z.union([z.string(), z.number()]).nullish(),
  city: str,
  country: str,
  name: str,
});

/** issuing.transaction.* and issuing.fee.card */
export const transactionEventData = z.looseObject({
  transaction_id: z.string().min(1),
  card_id: str,
  card_number: str,
  cardholder_id: str,
  short_transaction_id: str,
  original_transaction_id: str,
  transaction_type: str,
  transaction_fee: num,
  transaction_fee_currency: str,
  fee_pass_through: str,
  card_available_balance: num,
  authorization_code: str,
  billing_amount: num,
  billing_currency: str,
  transaction_amount: num,
  transaction_currency: str,
  transaction_time: str,
  posted_time: str,
  merchant_data: z.union([merchant, z.array(merchant)]).nullish(),
  description: str,
  failure_reason: str,
  transaction_status: str,
  wallet_type: str,
  reference_id: str,
  short_reference_id: str,
  remark: str,
});
export type TransactionEventData = z.output<typeof transactionEventData> & {
  /** merchant_data normalised to an array. */
  merchants: z.output<typeof merchant>[];
};

/** cardholder.kyc.status_changed / cardholder.updated */
export const cardholderEventData = z.looseObject({
  cardholder_id: z.string().min(1),
  cardholder_status: z.string(),
  country_code: str,
  create_time: str,
  /** "0001-01-01" has been seen for an unset date; exposed as null. */
  date_of_birth: str.transform((v) => (v === "0001-01-01" ? null : v)),
  email: str,
  first_name: str,
  last_name: str,
  idv_provider: str,
  idv_status: str,
  nationality: str,
  phone_number: str,
  update_time: str,
});
export type CardholderEventData = z.output<typeof cardholderEventData>;
