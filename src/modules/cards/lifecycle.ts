import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid } from "../../core/deterministic-uuid.ts";
import { CardrailError } from "../../core/errors.ts";
import type { CardStatus, PendingCardStatus } from "../../db/schema.ts";
import { type CardStatusChange, IssuerError, isIssuerRefusal } from "../../issuer/port.ts";
import {
  abandonStatusRequest,
  noteCardBalance,
  noteStatusOrder,
  requestStatus,
} from "./repo-program.ts";
import { getCard } from "./reveal.ts";
import type { CardRow } from "./row.ts";
import { applyIssuerState, cardStatusFromIssuer } from "./settle.ts";

export type CardAction = "freeze" | "unfreeze" | "cancel";

const ACTIONS: Record<
  CardAction,
  { target: PendingCardStatus; issuer: CardStatusChange; from: CardStatus[]; verb: string }
> = {
  freeze: { target: "frozen", issuer: "FROZEN", from: ["active"], verb: "frozen" },
  unfreeze: { target: "active", issuer: "ACTIVE", from: ["frozen"], verb: "unfrozen" },
  cancel: {
    target: "cancelled",
    issuer: "CANCELLED",
    from: ["active", "frozen"],
    verb: "cancelled",
  },
};

/** The upstream idempotency key of one status request: the same for every retry of that request. */
export const statusRequestKey = (cardId: string, version: number) =>
  deterministicUuid("card-status", cardId, String(version));

/**
 * Freezes, unfreezes or cancels a card. The issuer confirms asynchronously, so the card keeps its
 * status and shows the requested one as `pending_status` until the issuer's word arrives (its
 * webhook, or the sweep asking), never lost. Repeating a request is not an error (the card is
 * answered as it is); a change the card's state does not allow is 409 invalid_card_state.
 * Cancelling supersedes a freeze or unfreeze in flight, and is final.
 */
export async function changeCardStatus(
  ctx: TenantContext,
  input: { cardId: string; action: CardAction },
): Promise<CardRow> {
  const action = ACTIONS[input.action];
  // The card first: another tenant's or mode's card is a 404 whether or not an issuer is configured.
  const card = await getCard(ctx, { cardId: input.cardId });
  const issuer = requireIssuer(ctx);
  if (card.pending_status === action.target) return card;
  if (card.pending_status && input.action !== "cancel") {
    throw invalidState(card, `a change to ${card.pending_status} is in progress`);
  }
  if (card.status === action.target) return card;
  if (!action.from.includes(card.status) || !card.issuer_card_id) {
    throw invalidState(card, `a ${card.status} card cannot be ${action.verb}`);
  }
  if (input.action === "cancel") {
    // What is left on the card comes back to the wallet when the issuer ends the cancellation;
    // its balance now is the figure to return should the issuer report none by then.
    const upstream = await issuer.getCard(card.issuer_card_id);
    await noteCardBalance(ctx.db, card.id, upstream.availableMinor, ctx.now());
  }
  const requested = await requestStatus(ctx.db, card, action.target);
  if (!requested) return changeCardStatus(ctx, input); // a concurrent request moved it: decide again
  return sendStatusRequest(ctx, requested);
}

/**
 * Sends the card's current status request to the issuer (again, for the sweep: the same upstream
 * key, so the issuer replays instead of acting twice) and applies what it answers.
 */
export async function sendStatusRequest(ctx: TenantContext, card: CardRow): Promise<CardRow> {
  const target = card.pending_status;
  if (!target || !card.issuer_card_id) return card;
  const issuerStatus = Object.values(ACTIONS).find((a) => a.target === target)?.issuer;
  if (!issuerStatus) return card;
  try {
    const order = await requireIssuer(ctx).changeCardStatus(card.issuer_card_id, issuerStatus, {
      idempotencyKey: statusRequestKey(card.id, card.status_version),
      reason: `requested through Cardrail (${target})`,
    });
    if (order.status === "SUCCESS") {
      return applyIssuerState(ctx, card, {
        status: cardStatusFromIssuer(issuerStatus),
        issuerStatus,
      });
    }
    if (order.status === "FAILED")
      return abandonStatusRequest(ctx.db, card.id, card.status_version);
    return (
      (await noteStatusOrder(ctx.db, card.id, card.status_version, order.issuerOrderId)) ?? card
    );
  } catch (error) {
    if (isIssuerRefusal(error)) {
      await abandonStatusRequest(ctx.db, card.id, card.status_version);
      throw new CardrailError(
        "upstream_rejected",
        `The card issuer refused to make the card ${target}: ${error.message}`,
      );
    }
    // No answer: the request stays pending; the sweep sends it again with the same key.
    if (error instanceof IssuerError) return card;
    throw error;
  }
}

function invalidState(card: CardRow, why: string): CardrailError {
  return new CardrailError("invalid_card_state", `This card cannot change status: ${why}`, {
    cardId: card.id,
    status: card.status,
    pendingStatus: card.pending_status,
  });
}
