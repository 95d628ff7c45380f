import type { SimContext } from "../context.ts";
import { accountError, cardError, invalidRequest } from "../errors.ts";
import { hasAtMostTwoDecimals, toCents } from "../money.ts";
import { findProduct, type Product, type RequiredField } from "../products.ts";
import { reqSim } from "../reqstate.ts";
import type { CardCreate } from "../schemas.ts";
import type { Card } from "../state.ts";

/** What the card routes share: lookups, amounts, and the product and KYC checks a new card passes. */

/** The sandbox BIN that supports ONE_TIME cards and simulated authorizations. */
export const SANDBOX_BIN = "40963608";

/** A fail_after_success fault fired for this request: answer normally, let the order FAIL. */
export const failRequested = (raw: Parameters<typeof reqSim>[0]) =>
  reqSim(raw).fault?.kind === "fail_after_success";

export function findCard(ctx: SimContext, id: string): Card {
  const card = ctx.state.cards.get(id);
  if (!card) throw cardError("card_not_found", "card not found or deactivated");
  return card;
}

export function cents(amount: number, field: string): number {
  if (!hasAtMostTwoDecimals(amount)) throw invalidRequest(`${field}: at most 2 decimal places`);
  return toCents(amount);
}

/** Fields the product's KYC level needs that the cardholder does not have. */
export function missingFields(
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

export function checkProduct(ctx: SimContext, input: CardCreate): Product {
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
