/** Request body rules for cardholders and cards (fact sheet §2 and §4). */
import { z } from "zod";
import { isCountryCode } from "./countries.ts";

const MAX_FILE_BYTES = 2 * 1024 * 1024;

// Letters and spaces, 1–40, no leading/trailing space. (One guide also allows "-"; the API
// reference does not, and the stricter rule is the one a client must satisfy.)
const personName = z
  .string()
  .min(1)
  .max(40)
  .regex(
    /^\p{L}(?:[\p{L} ]*\p{L})?$/u,
    "must be letters and spaces, without leading/trailing space",
  );

const country = z.string().refine(isCountryCode, "must be an ISO 3166-1 alpha-2 country code");

function isRealDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const base64File = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64")
  .refine((s) => s.length % 4 === 0, "must be base64")
  .refine((s) => Math.floor((s.length * 3) / 4) <= MAX_FILE_BYTES, "must be at most 2 MB");

const identity = z
  .object({
    type: z.enum(["ID_CARD", "PASSPORT"]),
    number: z.string().min(1).max(64),
    front_file: base64File,
    back_file: base64File.optional(),
    // uqpay-node says hand_file is required for PASSPORT; no v1.6 page backs it (UNCONFIRMED),
    // so the simulator keeps it optional as the API reference does.
    hand_file: base64File.optional(),
  })
  .refine((i) => i.type !== "ID_CARD" || i.back_file !== undefined, {
    message: "is required when type is ID_CARD",
    path: ["back_file"],
  });

const address = z.object({
  country: country,
  city: z.string().min(1).max(128),
  line1: z.string().min(1).max(255),
  state: z.string().max(128).optional(),
  district: z.string().max(128).optional(),
  line2: z.string().max(255).optional(),
  line_en: z.string().max(255).optional(),
  postal_code: z.string().max(16).optional(),
});

const kycVerification = z
  .object({
    method: z.enum(["THIRD_PARTY", "SUMSUB_REDIRECT"]),
    kyc_proof: z
      .object({ provider: z.string().min(1), reference_id: z.string().min(10) })
      .optional(),
  })
  .refine((k) => k.method !== "THIRD_PARTY" || k.kyc_proof !== undefined, {
    message: "is required when method is THIRD_PARTY",
    path: ["kyc_proof"],
  });

const cardholderOptional = {
  date_of_birth: z.string().refine(isRealDate, "must be a date in yyyy-mm-dd format").optional(),
  // MALE|FEMALE in the docs; OTHER only in the Node SDK's type. Accepted: refusing it would only
  // trip an SDK user, and nothing in the simulator depends on the value (FIDELITY.md).
  gender: z.enum(["MALE", "FEMALE", "OTHER"]).optional(),
  nationality: country.optional(),
  residential_address: address.optional(),
  identity: identity.optional(),
  kyc_verification: kycVerification.optional(),
  document_type: z.enum(["pdf", "png", "jpg", "jpeg"]).optional(),
  document: base64File.optional(),
  delivery_address: z.record(z.string(), z.unknown()).optional(),
};

export const cardholderCreate = z.object({
  email: z.email(),
  first_name: personName,
  last_name: personName,
  country_code: country,
  phone_number: z.string().regex(/^\d{4,20}$/, "must be digits only"),
  ...cardholderOptional,
});
export type CardholderCreate = z.infer<typeof cardholderCreate>;

export const cardholderUpdate = z
  .object({
    email: z.email().optional(),
    country_code: country.optional(),
    phone_number: z
      .string()
      .regex(/^\d{4,20}$/, "must be digits only")
      .optional(),
    first_name: z.unknown().optional(),
    last_name: z.unknown().optional(),
    ...cardholderOptional,
  })
  .refine((b) => b.first_name === undefined && b.last_name === undefined, {
    message: "names cannot be changed",
    path: ["first_name"],
  });

/**
 * A decimal amount. The docs type amounts as numbers, but the SDKs' own samples and the sandbox's
 * responses use strings, so a numeric string ("20", "20.50") is accepted too (UNCONFIRMED whether
 * the real API does; refusing it would only trip clients, never protect anything).
 */
export const decimal = z.union([
  z.number(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*$/, "must be a number")
    .transform(Number),
]);

const metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= 3200, "must be at most 3200 bytes");

const spendingControls = z.array(
  z.object({
    amount: decimal.pipe(z.number().min(0)),
    interval: z.enum(["PER_TRANSACTION", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "ALL_TIME"]),
  }),
);

/** The risk controls v1.6 documents (fact sheet §4). */
export const RISK_CONTROL_KEYS = [
  "allow_3ds_transactions",
  "enable_3ds",
  "allowed_mcc",
  "blocked_mcc",
] as const;

const mccList = z
  .array(z.string().regex(/^\d{4}$/, "must be 4-digit merchant category codes"))
  .nullable()
  .optional();

/**
 * Only the documented controls. Anything else (the Node SDK's allow_contactless, allow_atm,
 * allow_online) is refused by name rather than accepted and silently dropped: a client must not
 * believe a control is in force when UQPay has no such control.
 */
const riskControls = z
  .looseObject({
    allow_3ds_transactions: z.enum(["Y", "N"]).optional(),
    enable_3ds: z.enum(["Y", "N"]).optional(),
    allowed_mcc: mccList,
    blocked_mcc: mccList,
  })
  .superRefine((r, ctx) => {
    for (const key of Object.keys(r))
      if (!(RISK_CONTROL_KEYS as readonly string[]).includes(key))
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is not a UQPay risk control (supported: ${RISK_CONTROL_KEYS.join(", ")})`,
        });
    if (bothMccLists(r))
      ctx.addIssue({
        code: "custom",
        path: ["blocked_mcc"],
        message: "cannot be combined with allowed_mcc; use one of them",
      });
  })
  .transform((r) => {
    const out: RiskControls = {};
    if (r.allow_3ds_transactions !== undefined)
      out.allow_3ds_transactions = r.allow_3ds_transactions;
    if (r.enable_3ds !== undefined) out.enable_3ds = r.enable_3ds;
    if (r.allowed_mcc !== undefined) out.allowed_mcc = r.allowed_mcc;
    if (r.blocked_mcc !== undefined) out.blocked_mcc = r.blocked_mcc;
    return out;
  });

export interface RiskControls {
  allow_3ds_transactions?: "Y" | "N";
  enable_3ds?: "Y" | "N";
  allowed_mcc?: string[] | null;
  blocked_mcc?: string[] | null;
}

/** "use one, not both" (fact sheet §4): both lists non-empty at once. */
export function bothMccLists(r: Pick<RiskControls, "allowed_mcc" | "blocked_mcc">): boolean {
  return (r.allowed_mcc?.length ?? 0) > 0 && (r.blocked_mcc?.length ?? 0) > 0;
}

/** The fields a cardholder is created with; at card creation they identify, not supplement. */
export const ONE_STEP_FIELDS = [
  "email",
  "first_name",
  "last_name",
  "country_code",
  "phone_number",
] as const;

export const cardCreate = z
  .object({
    card_currency: z.string().min(1),
    card_product_id: z.string().min(1),
    cardholder_id: z.string().min(1).optional(),
    card_limit: decimal.pipe(z.number().min(0)).optional(),
    name_on_card: z.string().max(26).optional(),
    spending_controls: spendingControls.optional(),
    risk_controls: riskControls.optional(),
    metadata: metadata.optional(),
    usage_type: z.enum(["NORMAL", "ONE_TIME"]).default("NORMAL"),
    auto_cancel_trigger: z.enum(["ON_AUTH", "ON_CAPTURE"]).optional(),
    expiry_at: z.iso.datetime({ offset: true }).optional(),
    // One-step mode (no cardholder_id): the full set, the cardholder is created too. With a
    // cardholder_id: only the fields to add to that cardholder (the KYC its product needs).
    cardholder_required_fields: cardholderCreate.partial().optional(),
  })
  .refine((b) => b.cardholder_id !== undefined || b.cardholder_required_fields !== undefined, {
    message: "is required (or send cardholder_required_fields for one-step mode)",
    path: ["cardholder_id"],
  })
  .superRefine((b, ctx) => {
    if (b.cardholder_id !== undefined || b.cardholder_required_fields === undefined) return;
    for (const name of ONE_STEP_FIELDS)
      if (b.cardholder_required_fields[name] === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["cardholder_required_fields", name],
          message: "is required when creating the cardholder with the card (no cardholder_id)",
        });
  })
  .refine((b) => b.usage_type !== "ONE_TIME" || b.auto_cancel_trigger !== undefined, {
    message: "is required when usage_type is ONE_TIME",
    path: ["auto_cancel_trigger"],
  });
export type CardCreate = z.infer<typeof cardCreate>;

export const cardUpdate = z.object({
  card_limit: decimal.pipe(z.number().min(0)).optional(),
  name_on_card: z.string().max(26).optional(),
  no_pin_payment_amount: decimal.pipe(z.number().min(0)).optional(),
  spending_controls: spendingControls.optional(),
  risk_controls: riskControls.optional(),
  metadata: metadata.optional(),
});

export const cardStatusUpdate = z.object({
  card_status: z.enum(["ACTIVE", "FROZEN", "CANCELLED"]),
  update_reason: z.string().max(100).optional(),
});

export const amountBody = z.object({ amount: decimal.pipe(z.number().positive()) });

/** elevate_limit: the field name is UNCONFIRMED; `card_limit` and `amount` are both accepted. */
export const elevateLimitBody = z.object({
  card_limit: decimal.pipe(z.number().positive()).optional(),
  amount: decimal.pipe(z.number().positive()).optional(),
});

export const activateBody = z.object({
  card_id: z.string().min(1),
  activation_code: z.string().min(1).max(32),
  pin: z.string().regex(/^\d{6}$/, "must be 6 digits"),
  no_pin_payment_amount: decimal.pipe(z.number().min(0)).optional(),
});

/** POST /v1/issuing/cards/assign: fields from the fact sheet §4 ([G]/[P]/[C]) and the Node SDK. */
export const assignBody = z.object({
  cardholder_id: z.string().min(1),
  card_number: z.string().regex(/^\d{16}$/, "must be the 16-digit card number"),
  card_currency: z.string().min(1),
  card_mode: z.enum(["SINGLE", "SHARE"]),
});
