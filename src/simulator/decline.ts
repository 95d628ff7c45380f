/**
 * Why a simulated authorization is declined, or "" when the card's rules let it through. The codes
 * are the simulator's own (UQPay documents only the "NNNN - Text" form of `description`); each
 * reason says which rule refused, so a test can tell them apart.
 */
import type { SimContext } from "./context.ts";
import { toCents } from "./money.ts";
import type { RiskControls } from "./schemas.ts";
import type { Card } from "./state.ts";
import { availableCents } from "./views.ts";

export const DECLINES = {
  frozen: "1014 - Card Frozen",
  cancelled: "1015 - Card Cancelled",
  inactive: "1016 - Card Not Active",
  mcc: "1057 - Merchant Category Not Allowed",
  perTransaction: "1061 - Exceeds Per Transaction Limit",
  funds: "1116 - Insufficient Funds",
  requested: "1005 - Do Not Honour",
} as const;

/** In order: the card's status, its MCC lists, its per-transaction limits, then its funds. */
export function declineReason(ctx: SimContext, card: Card, mcc: string, billing: number): string {
  if (card.card_status === "FROZEN") return DECLINES.frozen;
  if (card.card_status === "PRE_CANCEL" || card.card_status === "CANCELLED")
    return DECLINES.cancelled;
  if (card.card_status !== "ACTIVE") return DECLINES.inactive;
  const risk = card.risk_controls as RiskControls;
  if (risk.allowed_mcc?.length && !risk.allowed_mcc.includes(mcc)) return DECLINES.mcc;
  if (risk.blocked_mcc?.includes(mcc)) return DECLINES.mcc;
  // Spending-control amounts are in the card's currency, as the billing amount is. Only
  // PER_TRANSACTION is enforced: the other intervals are unconfirmed upstream (FIDELITY.md).
  for (const limit of card.spending_controls)
    if (limit.interval === "PER_TRANSACTION" && billing > toCents(limit.amount))
      return DECLINES.perTransaction;
  // The sandbox rule: the available balance must exceed the amount (fact sheet §7).
  if (!(availableCents(ctx, card) > billing)) return DECLINES.funds;
  return "";
}
