import { minorToNumber } from "../../core/money.ts";
import type { CardRow } from "./row.ts";

/** The card as the API shows it. Contract fields keep their names; additions are camelCase. */
export interface CardView {
  success: true;
  cardId: string;
  uqpayCardId: string | null;
  holderId: string;
  status: string;
  currency: string;
  loadAmount: number;
  loadedBalance: number;
  cardProductId: string;
  maskedNumber: string | null;
  createdAt: string;
}

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
  };
}
