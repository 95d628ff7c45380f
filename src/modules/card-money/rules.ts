import { CardrailError, validationError } from "../../core/errors.ts";
import { currencyExponent, decimalToMinor } from "../../core/money.ts";
import type { CardStatus } from "../../db/schema.ts";
import type { MoneyOrderRow } from "./repo.ts";

/** 409 invalid_card_state unless the card is in one of `allowed` (and not on its way out of it). */
export function requireCardState(
  card: { id: string; status: CardStatus; pending_status: string | null },
  allowed: CardStatus[],
  verb: string,
): void {
  const leaving = card.pending_status === "cancelled";
  if (allowed.includes(card.status) && !leaving) return;
  throw new CardrailError(
    "invalid_card_state",
    `A ${leaving ? "cancelling" : card.status} card cannot be ${verb}`,
    { cardId: card.id, status: card.status, pendingStatus: card.pending_status },
  );
}

/** The 503 of an order whose issuer answer never came: nothing is lost, a retry resumes it. */
export function unknownOutcome(order: MoneyOrderRow): CardrailError {
  return new CardrailError(
    "upstream_unavailable",
    "The card issuer did not confirm in time. Nothing is lost: retry with the same Idempotency-Key, or read the card's orders; the recovery sweep finishes it either way.",
    { id: order.id, cardId: order.card_id, status: "pending" },
    2,
  );
}

/** The request's amount in the card's minor units: 400 naming `amount` when it has too many decimals. */
export function amountInCardCurrency(amount: number, currency: string): bigint {
  const minor = decimalToMinor(amount, currency);
  if (minor === null || minor <= 0n) {
    throw validationError([
      {
        field: "amount",
        message: `at most ${currencyExponent(currency)} decimal places for ${currency}`,
      },
    ]);
  }
  return minor;
}
