import { type CoreDeps, contextFor, type Log } from "../../core/context.ts";
import type { Mode } from "../../db/schema.ts";
import type { IssuerEvent } from "../../issuer/port.ts";
import { orderByIssuerId } from "../card-money/repo.ts";
import { settleOrder } from "../card-money/settle.ts";
import { returnCancelledBalance } from "../cards/card-return.ts";
import { cardOfIssuerEvent } from "../cards/repo.ts";
import { abandonStatusOrder, noteCardBalance } from "../cards/repo-program.ts";
import type { CardRow } from "../cards/row.ts";
import { applyIssuerState, cardStatusFromIssuer } from "../cards/settle.ts";
import { recordTransaction } from "../transactions/record.ts";

type CardOrderEvent = Extract<IssuerEvent, { kind: "card_order" }>;
type ApplyResult = "applied" | "ignored";

export interface CardProgramInbound extends CoreDeps {
  mode: Mode;
  log: Log;
}

/**
 * An order's outcome: a top-up or withdrawal settles (its money moves once, settle.ts), a status
 * change applies the issuer's status (or, failed, drops the card's pending status), and the card's
 * balance follows the issuer's word. An order we do not know yet (the issuer's webhook overtook its
 * own answer to us) is ignored: the request or the recovery sweep reads it back.
 */
export async function applyCardOrder(
  deps: CardProgramInbound,
  event: CardOrderEvent,
): Promise<ApplyResult> {
  if (event.order === "recharge" || event.order === "withdraw") {
    const order = await orderByIssuerId(deps.db, deps.mode, event.issuerOrderId);
    if (!order) return "ignored";
    await settleOrder(deps.db, order, {
      status: event.succeeded ? "succeeded" : "failed",
      failureReason: event.succeeded ? undefined : "The card issuer failed the order",
      availableMinor: event.availableMinor,
    });
    return "applied";
  }
  const card = await cardOfIssuerEvent(deps.db, deps.mode, { issuerCardId: event.issuerCardId });
  if (!card) return "ignored";
  if (event.availableMinor !== undefined) {
    await noteCardBalance(deps.db, card.id, event.availableMinor, new Date());
  }
  if (event.order === "status") {
    if (!event.succeeded) await abandonStatusOrder(deps.db, card.id, event.issuerOrderId);
    else if (event.cardStatus) await applyCardStatus(deps, card, event.cardStatus);
  }
  return "applied";
}

/** A status the issuer reports for a card; a finished cancellation brings its balance back. */
export async function applyCardStatus(
  deps: CardProgramInbound,
  card: CardRow,
  issuerStatus: Parameters<typeof cardStatusFromIssuer>[0],
): Promise<CardRow> {
  const ctx = contextFor(deps, {
    tenantId: card.tenant_id,
    mode: card.mode,
    actor: { kind: "service", component: "issuer-webhook" },
    log: deps.log,
  });
  const updated = await applyIssuerState(ctx, card, {
    status: cardStatusFromIssuer(issuerStatus),
    issuerStatus,
  });
  if (issuerStatus === "CANCELLED" && ctx.issuer) await returnCancelledBalance(ctx, updated);
  return updated;
}

export async function applyTransaction(
  deps: CardProgramInbound,
  event: Extract<IssuerEvent, { kind: "transaction" }>,
): Promise<ApplyResult> {
  const { result } = await recordTransaction(deps, event.transaction);
  return result === "unknown_card" ? "ignored" : "applied";
}
