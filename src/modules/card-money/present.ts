import { minorToNumber } from "../../core/money.ts";
import type { MoneyOrderRow } from "./repo.ts";
import type { MoneyOrderView } from "./schemas.ts";

/** A top-up or withdrawal as the API and its events show it (schemas.ts's moneyOrderSchema). */
export function presentMoneyOrder(order: MoneyOrderRow): MoneyOrderView {
  return {
    success: true,
    id: order.id,
    cardId: order.card_id,
    type: order.kind,
    amount: minorToNumber(order.amount, order.currency),
    currency: order.currency,
    // `creating` (recorded, the issuer's answer not yet known) is `pending` to the tenant.
    status: order.status === "creating" ? "pending" : order.status,
    failureReason: order.failure_reason,
    createdAt: new Date(order.created_at).toISOString(),
    updatedAt: new Date(order.updated_at).toISOString(),
  };
}

export type { MoneyOrderView } from "./schemas.ts";
