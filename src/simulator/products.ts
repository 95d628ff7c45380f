/** The fixed card products of the sandbox. Ids are constants so other code and tests can use them. */
export const SIM_PRODUCT_USD_40963608 = "0e1f4a50-4096-4360-8a00-000040963608";
/**
 * A SINGLE-mode product on the sandbox BIN, listed FIRST: money is moved from the issuing balance
 * onto the card by card_limit/recharge and back by withdraw, so both balances visibly move, and
 * authorizations can still be simulated (they need BIN 40963608). A client that takes "the first
 * product on BIN 40963608" therefore sees recharges move the issuing balance; the SHARE product
 * (the fact sheet's example, and the one Cardrail is configured with) is second. Not in the fact
 * sheet: the real sandbox's product list depends on the account.
 */
export const SIM_PRODUCT_USD_SINGLE_40963608 = "0e1f4a50-4096-4360-8a01-000040963608";
export const SIM_PRODUCT_ENHANCED_46651711 = "0e1f4a50-4665-4171-8a00-000046651711";
export const SIM_PRODUCT_DISABLED_49387520 = "0e1f4a50-4938-4752-8a00-000049387520";

export interface RequiredField {
  name: string;
  type: "string" | "object";
  required: boolean;
  description?: string;
  fields?: RequiredField[];
}

export interface Product {
  product_id: string;
  mode_type: "SHARE" | "SINGLE";
  card_bin: string;
  card_scheme: "VISA" | "MASTERCARD";
  card_form: string[];
  card_currency: string[];
  max_card_quota: number;
  no_pin_payment_amount: { amount: string; currency: string }[];
  product_status: "ENABLED" | "DISABLED";
  kyc_level: "SIMPLIFIED" | "STANDARD" | "ENHANCED";
  required_fields: RequiredField[];
  create_time: string;
  update_time: string;
}

const s = (name: string, required: boolean, description?: string): RequiredField => ({
  name,
  type: "string",
  required,
  ...(description ? { description } : {}),
});

const BASIC: RequiredField[] = [
  s("first_name", true),
  s("last_name", true),
  s("email", true),
  s("country_code", true, "ISO 3166-1 alpha-2"),
  s("phone_number", true),
  s("date_of_birth", false, "yyyy-mm-dd"),
];

const IDENTITY: RequiredField = {
  name: "identity",
  type: "object",
  required: true,
  fields: [s("type", true), s("number", true), s("front_file", true), s("back_file", false)],
};

const ADDRESS: RequiredField = {
  name: "residential_address",
  type: "object",
  required: true,
  fields: [s("country", true), s("city", true), s("line1", true), s("postal_code", false)],
};

const KYC_VERIFICATION: RequiredField = {
  name: "kyc_verification",
  type: "object",
  required: true,
  fields: [s("method", true, "THIRD_PARTY | SUMSUB_REDIRECT")],
};

export const PRODUCTS: readonly Product[] = [
  {
    product_id: SIM_PRODUCT_USD_SINGLE_40963608,
    mode_type: "SINGLE",
    card_bin: "40963608",
    card_scheme: "VISA",
    card_form: ["VIR"],
    card_currency: ["USD", "SGD"],
    max_card_quota: 100000,
    no_pin_payment_amount: [{ amount: "2000", currency: "USD" }],
    product_status: "ENABLED",
    kyc_level: "SIMPLIFIED",
    required_fields: BASIC,
    create_time: "2024-03-21T17:17:32+08:00",
    update_time: "2024-03-21T17:17:32+08:00",
  },
  {
    product_id: SIM_PRODUCT_USD_40963608,
    mode_type: "SHARE",
    card_bin: "40963608",
    card_scheme: "VISA",
    card_form: ["VIR"],
    card_currency: ["USD"],
    max_card_quota: 100000,
    no_pin_payment_amount: [{ amount: "2000", currency: "USD" }],
    product_status: "ENABLED",
    kyc_level: "SIMPLIFIED",
    required_fields: BASIC,
    create_time: "2024-03-21T17:17:32+08:00",
    update_time: "2024-03-21T17:17:32+08:00",
  },
  {
    product_id: SIM_PRODUCT_ENHANCED_46651711,
    mode_type: "SINGLE",
    card_bin: "46651711",
    card_scheme: "VISA",
    card_form: ["VIR", "PHY"],
    card_currency: ["SGD", "USD"],
    max_card_quota: 3001,
    no_pin_payment_amount: [{ amount: "200", currency: "SGD" }],
    product_status: "ENABLED",
    kyc_level: "ENHANCED",
    required_fields: [...BASIC, s("nationality", true), ADDRESS, IDENTITY, KYC_VERIFICATION],
    create_time: "2024-05-09T15:52:23+08:00",
    update_time: "2024-05-09T15:52:23+08:00",
  },
  {
    product_id: SIM_PRODUCT_DISABLED_49387520,
    mode_type: "SHARE",
    card_bin: "49387520",
    card_scheme: "MASTERCARD",
    card_form: ["VIR"],
    card_currency: ["USD"],
    max_card_quota: 10,
    no_pin_payment_amount: [{ amount: "2000", currency: "USD" }],
    product_status: "DISABLED",
    kyc_level: "SIMPLIFIED",
    required_fields: BASIC,
    create_time: "2024-01-02T10:00:00+08:00",
    update_time: "2024-06-01T10:00:00+08:00",
  },
];

export const findProduct = (id: string): Product | undefined =>
  PRODUCTS.find((p) => p.product_id === id);
