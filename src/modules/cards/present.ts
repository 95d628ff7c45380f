import { minorToNumber } from "../../core/money.ts";
import type { SecureCardDetails } from "../../issuer/port.ts";
import type { CardRow } from "./row.ts";
import type { CardDetailsView, CardListItem, CardView } from "./schemas.ts";

export type { CardView } from "./schemas.ts";

/** The card as the API shows it (its shape is cardSchema's, in schemas.ts). */
export function presentCard(card: CardRow): CardView {
  const amount = minorToNumber(card.load_amount, card.currency);
  const loaded = card.status === "failed" ? 0 : amount;
  return {
    success: true,
    cardId: card.id,
    uqpayCardId: card.issuer_card_id,
    holderId: card.cardholder_id,
    status: card.status,
    currency: card.currency,
    loadAmount: amount,
    loadedBalance: loaded,
    cardProductId: card.product_id,
    maskedNumber: card.masked_number,
    createdAt: new Date(card.created_at).toISOString(),
    availableBalance:
      card.available_balance === null ? null : minorToNumber(card.available_balance, card.currency),
    pendingStatus: card.pending_status,
    spendingLimits: (card.controls?.spendingLimits ?? []).map((limit) => ({
      amount: minorToNumber(BigInt(limit.amount), card.currency),
      interval: limit.interval.toLowerCase() as CardView["spendingLimits"][number]["interval"],
    })),
    controls: {
      ...(card.controls?.allow3dsTransactions !== undefined
        ? { allow3dsTransactions: card.controls.allow3dsTransactions }
        : {}),
      ...(card.controls?.enable3ds !== undefined ? { enable3ds: card.controls.enable3ds } : {}),
      ...(card.controls?.allowedMcc !== undefined ? { allowedMcc: card.controls.allowedMcc } : {}),
      ...(card.controls?.blockedMcc !== undefined ? { blockedMcc: card.controls.blockedMcc } : {}),
    },
  };
}

/** The card as a list item: the single GET's object without `success`. */
export function presentCardItem(card: CardRow): CardListItem {
  const { success: _, ...item } = presentCard(card);
  return item;
}

/** A reveal's answer, by API key or by reveal token: the contract's snake_case fields. */
export function presentCardDetails(card: CardRow, details: SecureCardDetails): CardDetailsView {
  return {
    success: true,
    cardDetails: {
      card_id: card.issuer_card_id,
      card_number: details.cardNumber,
      cvv: details.cvv,
      expiry_date: details.expiryDate,
    },
  };
}
