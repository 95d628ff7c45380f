import { z } from "zod";

/**
 * Wire shapes of UQPay Card Issuance v1.6, validated with zod. Deliberately tolerant: UQPay
 * documents numbers where the sandbox sends strings (and back), sends `null` for absent values,
 * and adds fields over time, so unknown fields are dropped, optional ones are nullish, and enums
 * stay plain strings (the adapter decides what an unknown status means).
 *
 * Amounts: accepted as number or string and ALWAYS exposed as the decimal string the upstream
 * wrote (`20`, `"20.00"` → "20", "20.00"), never re-rounded through floating point. Convert with
 * money.ts `decimalToMinor`.
 */

/** Decimal amount, number or string on the wire → string. */
export const amount = z
  .union([z.number(), z.string()])
  .transform((v) => (typeof v === "number" ? String(v) : v.trim()));

/** Integer count, number or numeric string on the wire → number. */
const count = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

const str = z.string().nullish();
const obj = z.record(z.string(), z.unknown()).nullish();

export const tokenResponse = z.object({
  auth_token: z.string().min(1),
  /** Unix seconds per the docs; a millisecond value is tolerated. */
  expired_at: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]),
});
export type TokenResponse = z.output<typeof tokenResponse>;

export function paged<T extends z.ZodType>(item: T) {
  return z.object({
    total_pages: count.nullish().transform((v) => v ?? 0),
    total_items: count.nullish().transform((v) => v ?? 0),
    data: z
      .array(item)
      .nullish()
      .transform((v) => v ?? []),
  });
}
export interface Paged<T> {
  total_pages: number;
  total_items: number;
  data: T[];
}
export interface PageParams {
  page_size?: number;
  page_number?: number;
}

// ---- cardholders ----
export const cardholderWriteResponse = z.object({
  cardholder_id: z.string().min(1),
  cardholder_status: z.string(),
  idv_verification_url: str,
  idv_url_expires_at: z.union([z.string(), z.number()]).nullish(),
});
export type CardholderWriteResponse = z.output<typeof cardholderWriteResponse>;

export const cardholder = z.object({
  cardholder_id: z.string().min(1),
  cardholder_status: z.string(),
  email: str,
  number_of_cards: count.nullish(),
  first_name: str,
  last_name: str,
  create_time: str,
  date_of_birth: str,
  country_code: str,
  phone_number: str,
  gender: str,
  nationality: str,
  residential_address: obj,
  delivery_address: obj,
  review_status: str,
  idv_status: str,
  idv_verification_url: str,
  idv_url_expires_at: z.union([z.string(), z.number()]).nullish(),
  /** Present on INCOMPLETE holders in some responses; names of fields to resubmit. */
  missing_fields: z.array(z.unknown()).nullish(),
});
export type Cardholder = z.output<typeof cardholder>;

export interface Address {
  country: string;
  city: string;
  line1: string;
  state?: string;
  district?: string;
  line2?: string;
  line_en?: string;
  postal_code?: string;
}
export interface Identity {
  type: "ID_CARD" | "PASSPORT";
  number: string;
  /** base64 */
  front_file: string;
  back_file?: string;
  hand_file?: string;
}
export interface KycVerification {
  method: "THIRD_PARTY" | "SUMSUB_REDIRECT";
  kyc_proof?: { provider: string; reference_id: string };
}
export interface CreateCardholderBody {
  email: string;
  first_name: string;
  last_name: string;
  country_code: string;
  phone_number: string;
  date_of_birth?: string;
  gender?: "MALE" | "FEMALE";
  nationality?: string;
  residential_address?: Address;
  identity?: Identity;
  kyc_verification?: KycVerification;
  document_type?: "pdf" | "png" | "jpg" | "jpeg";
  document?: string;
}
export type UpdateCardholderBody = Partial<Omit<CreateCardholderBody, "first_name" | "last_name">>;
export interface ListCardholdersParams extends PageParams {
  cardholder_status?: "PENDING" | "SUCCESS" | "INCOMPLETE" | "FAILED";
}

// ---- products ----
export const product = z.object({
  product_id: z.string().min(1),
  mode_type: z.string(),
  card_bin: z.union([z.string(), z.number().transform(String)]),
  card_scheme: str,
  card_form: z.array(z.string()).nullish(),
  /** An array per the docs; a single string is tolerated. */
  card_currency: z.union([z.array(z.string()), z.string().transform((s) => s.split(/[,\s]+/))]),
  max_card_quota: count.nullish(),
  no_pin_payment_amount: z.array(z.object({ amount, currency: z.string() })).nullish(),
  product_status: z.string(),
  kyc_level: z.string(),
  required_fields: z.array(z.unknown()).nullish(),
  create_time: str,
  update_time: str,
});
export type Product = z.output<typeof product>;

// ---- cards ----
const spendingControl = z.object({ amount, interval: z.string() });

export const cardCreateResponse = z.object({
  card_id: z.string().min(1),
  card_order_id: z.string().min(1),
  card_status: z.string(),
  order_status: z.string(),
  create_time: str,
  cardholder_status: str,
  cardholder_id: str,
  message: str,
});
export type CardCreateResponse = z.output<typeof cardCreateResponse>;

export const card = z.object({
  card_id: z.string().min(1),
  card_bin: z.union([z.string(), z.number().transform(String)]).nullish(),
  card_scheme: str,
  /** Masked; may be empty while the card is PENDING. */
  card_number: z
    .string()
    .nullish()
    .transform((v) => v ?? ""),
  form_factor: str,
  mode_type: str,
  card_limit: amount.nullish(),
  available_balance: amount.nullish(),
  cardholder: obj,
  no_pin_payment_amount: amount.nullish(),
  card_status: z.string(),
  card_currency: z.string(),
  card_product_id: str,
  spending_controls: z.array(spendingControl).nullish(),
  risk_controls: obj,
  metadata: obj,
  update_reason: str,
  consumed_amount: amount.nullish(),
});
export type Card = z.output<typeof card>;

export const cardUpdateResponse = z.object({
  card_id: z.string().min(1),
  card_order_id: str,
  card_status: str,
  order_status: str,
  update_reason: str,
});
export type CardUpdateResponse = z.output<typeof cardUpdateResponse>;

export const cardOrder = z.object({
  card_order_id: z.string().min(1),
  card_id: str,
  order_type: str,
  amount: amount.nullish(),
  card_currency: str,
  create_time: str,
  update_time: str,
  complete_time: str,
  order_status: z.string(),
});
export type CardOrder = z.output<typeof cardOrder>;

export const secureCard = z.object({
  card_number: z.union([z.string(), z.number().transform(String)]),
  cvv: z.union([z.string(), z.number().transform((n) => String(n).padStart(3, "0"))]),
  expire_date: z.string(),
});
export type SecureCard = z.output<typeof secureCard>;

export const panToken = z.object({
  token: z.string().min(1),
  expires_in: count.nullish(),
  expires_at: z.union([z.string(), z.number()]).nullish(),
});
export type PanToken = z.output<typeof panToken>;

export interface RiskControls {
  allow_3ds_transactions?: "Y" | "N";
  enable_3ds?: "Y" | "N";
  allowed_mcc?: string[] | null;
  /** null removes the list (send it to switch to allowed_mcc: "use one, not both"). */
  blocked_mcc?: string[] | null;
}
export interface CreateCardBody {
  card_currency: string;
  card_product_id: string;
  cardholder_id?: string;
  card_limit?: number;
  name_on_card?: string;
  spending_controls?: { amount: number; interval: string }[];
  risk_controls?: RiskControls;
  metadata?: Record<string, unknown>;
  usage_type?: "NORMAL" | "ONE_TIME";
  auto_cancel_trigger?: "ON_AUTH" | "ON_CAPTURE";
  expiry_at?: string;
  cardholder_required_fields?: Partial<CreateCardholderBody>;
}
export interface UpdateCardBody {
  card_limit?: number;
  name_on_card?: string;
  no_pin_payment_amount?: number;
  spending_controls?: { amount: number; interval: string }[];
  risk_controls?: RiskControls;
  metadata?: Record<string, unknown>;
}
export interface UpdateCardStatusBody {
  card_status: "ACTIVE" | "FROZEN" | "CANCELLED";
  update_reason?: string;
}
/** POST /v1/issuing/cards/activate (physical cards; paths from [G]/[P]/[C]). */
export interface ActivateCardBody {
  card_id: string;
  activation_code: string;
  /** 6 digits. */
  pin: string;
  no_pin_payment_amount?: number;
}
export const activateCardResponse = z.object({ request_status: z.string() });
export type ActivateCardResponse = z.output<typeof activateCardResponse>;
/** POST /v1/issuing/cards/{id}/elevate_limit; the body field name is UNCONFIRMED (card_limit sent). */
export interface ElevateLimitBody {
  card_limit: number;
}

export interface ListCardsParams extends PageParams {
  card_number?: string;
  card_status?: string;
  cardholder_id?: string;
}
