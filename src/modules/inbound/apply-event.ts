import { sql } from "kysely";
import { type CoreDeps, contextFor, type Log } from "../../core/context.ts";
import type { Mode } from "../../db/schema.ts";
import type { IssuerEvent } from "../../issuer/port.ts";
import { holderIdOfIssuer } from "../cardholders/repo.ts";
import { holderStatusFromIssuer } from "../cardholders/status.ts";
import { changeHolderStatus } from "../cardholders/transition.ts";
import { returnCancelledBalance } from "../cards/card-return.ts";
import { cardOfIssuerEvent } from "../cards/repo.ts";
import { applyIssuerState, cardStatusFromIssuer } from "../cards/settle.ts";
import { applyCardOrder, applyTransaction } from "./apply-card-program.ts";

/** The service's parts, and the mode whose issuer sent the event. */
export interface InboundDeps extends CoreDeps {
  mode: Mode;
  log: Log;
}

export type ApplyResult = "applied" | "duplicate" | "ignored";

/**
 * Applies one issuer webhook. Deduplicated by event id in the database, so the same event delivered
 * to several instances, or twice, acts once. Out-of-order delivery is harmless because every
 * transition is conditional on the state it leaves (statuses never move backwards; money moves
 * once, by unique ledger references). An event that fails mid-way is not marked processed, so the
 * issuer's redelivery applies it again (every step is idempotent).
 */
export async function applyIssuerEvent(
  deps: InboundDeps,
  event: IssuerEvent,
): Promise<ApplyResult> {
  const seen = await deps.db
    .insertInto("inbound_events")
    .values({
      mode: deps.mode,
      event_id: event.eventId,
      event_type: event.type,
      processed_at: null,
    })
    .onConflict((oc) => oc.columns(["mode", "event_id"]).doUpdateSet({ event_type: event.type }))
    .returning(["processed_at"])
    .executeTakeFirstOrThrow();
  if (seen.processed_at) return "duplicate";

  const result = await apply(deps, event);
  await deps.db
    .updateTable("inbound_events")
    .set({ processed_at: sql<Date>`now()` })
    .where("mode", "=", deps.mode)
    .where("event_id", "=", event.eventId)
    .execute();
  return result;
}

async function apply(deps: InboundDeps, event: IssuerEvent): Promise<ApplyResult> {
  switch (event.kind) {
    case "cardholder_status": {
      const holderId = await holderIdOfIssuer(deps.db, deps.mode, event.issuerCardholderId);
      if (!holderId) return "ignored";
      // Forward only: IN_REVIEW may become final; a final status never changes.
      const result = await changeHolderStatus(deps.db, holderId, {
        status: holderStatusFromIssuer(event.status),
        issuerStatus: event.status,
      });
      return result.changed ? "applied" : "ignored";
    }
    case "card_created":
    case "card_status": {
      const card = await cardOfIssuerEvent(deps.db, deps.mode, {
        issuerCardId: event.issuerCardId,
        cardRef: event.kind === "card_created" ? event.cardRef : undefined,
      });
      if (!card) {
        deps.log.warn(
          { eventId: event.eventId, type: event.type },
          "issuer event for a card we do not know",
        );
        return "ignored";
      }
      const status =
        event.kind === "card_created"
          ? event.succeeded
            ? cardStatusFromIssuer(
                event.status && event.status !== "PENDING" ? event.status : "ACTIVE",
              )
            : "failed"
          : cardStatusFromIssuer(event.status);
      const ctx = contextFor(deps, {
        tenantId: card.tenant_id,
        mode: card.mode,
        actor: { kind: "service", component: "issuer-webhook" },
        log: deps.log,
      });
      const updated = await applyIssuerState(ctx, card, {
        status,
        issuerStatus:
          event.kind === "card_created" && !event.succeeded ? "FAILED" : (event.status ?? "ACTIVE"),
        issuerCardId: event.issuerCardId,
        maskedNumber: event.kind === "card_created" ? event.maskedNumber : undefined,
        failureReason:
          status === "failed"
            ? "The card issuer failed to create the card; the amount was refunded"
            : undefined,
        // A creation's news never moves a card the tenant has since frozen or cancelled.
        fromCreation: event.kind === "card_created",
      });
      // A finished cancellation brings the card's remaining balance back to the wallet.
      if (event.kind === "card_status" && event.status === "CANCELLED" && ctx.issuer) {
        await returnCancelledBalance(ctx, updated);
      }
      return "applied";
    }
    case "card_order":
      return applyCardOrder(deps, event);
    case "transaction":
      return applyTransaction(deps, event);
    case "other":
      return "ignored";
  }
}
