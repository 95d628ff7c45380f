import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { isIssuerRefusal } from "../../issuer/port.ts";
import { holderById } from "../cardholders/repo.ts";
import { type KeyLease, KeyLostError } from "../idempotency/keys.ts";
import type { FinalOutcome } from "../idempotency/with-idempotency.ts";
import { type CardView, presentCard } from "./present.ts";
import type { CardRow } from "./row.ts";
import { applyIssuerState, recordIssued } from "./settle.ts";

/** Asking the issuer for a debited card and settling it by the answer (issue.ts steps 3 and 4). */

/** A stored idempotent outcome: what the first request answered, replayed verbatim. */
export type IssueOutcome = FinalOutcome<CardView>;

/**
 * Step 3 and 4. Returns the outcome to store, or "unknown" when the issuer's answer is not known
 * (the card stays `creating`). Also used by the recovery sweep for cards left in `creating`.
 * With `lease`, the card's settlement commits only while the lease holds the key.
 */
export async function callIssuer(
  ctx: TenantContext,
  card: CardRow,
  issuerProductId: string,
  options: {
    /** The holder's issuer id when the caller already has it (the request path); read otherwise. */
    known?: { issuer_cardholder_id: string | null };
    lease?: KeyLease | null;
  } = {},
): Promise<IssueOutcome | "unknown"> {
  const holder = options.known ?? (await holderById(ctx.db, card.cardholder_id));
  try {
    const issued = await requireIssuer(ctx).issueCard(
      {
        issuerCardholderId: holder.issuer_cardholder_id ?? "",
        issuerProductId,
        currency: card.currency,
        amountMinor: card.load_amount,
        cardRef: card.id,
      },
      { idempotencyKey: card.upstream_key },
    );
    return outcomeOf(await recordIssued(ctx, card, issued, options.lease));
  } catch (error) {
    if (error instanceof KeyLostError) throw error;
    if (isIssuerRefusal(error)) {
      const reason = `The card issuer refused the card (${error.message}); the amount was refunded`;
      return outcomeOf(
        await applyIssuerState(
          ctx,
          card,
          { status: "failed", issuerStatus: "REFUSED", failureReason: reason },
          options.lease,
        ),
      );
    }
    ctx.log.warn(
      { err: error, cardId: card.id },
      "card creation outcome unknown; left for recovery",
    );
    return "unknown";
  }
}

export function outcomeOf(card: CardRow): IssueOutcome {
  if (card.status === "failed")
    return refusedOutcome(
      card.id,
      card.failure_reason ?? "The card was not issued; the amount was refunded",
    );
  return { ok: presentCard(card) };
}

const refusedOutcome = (cardId: string, message: string): IssueOutcome => ({
  error: { code: "upstream_rejected", message, details: { cardId, status: "failed" } },
});
