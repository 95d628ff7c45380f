import { requireIssuer, type TenantContext } from "../../core/context.ts";
import type { Tx } from "../../db/pool.ts";
import type { CardStatus } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import type { IssuedCard, IssuerCardStatus } from "../../issuer/port.ts";
import { holdKey, type KeyLease } from "../idempotency/keys.ts";
import { startTransactionSync } from "../transactions/sync.ts";
import { post } from "../wallet/ledger.ts";
import { emitEvent } from "../webhooks/index.ts";
import { presentCard } from "./present.ts";
import { lockCard, updateCard } from "./repo.ts";
import type { CardRow } from "./row.ts";

/**
 * Applying what the issuer says about a card to our records and the ledger. Every transition is
 * conditional on the state it leaves, and every ledger posting carries a reference unique to the
 * card, so the request path, reveal, and any number of recovery sweeps can race harmlessly:
 * exactly one of them moves the money.
 *
 *   creating ──accepted──▶ pending ──ACTIVE──▶ active      (in-flight → loaded)
 *       │                     │
 *       └──refused──▶ failed ◀┘ order FAILED               (in-flight → wallet: refund)
 */

export function cardStatusFromIssuer(status: IssuerCardStatus): CardStatus {
  switch (status) {
    case "PENDING":
      return "pending";
    case "ACTIVE":
      return "active";
    case "FROZEN":
    case "BLOCKED":
    case "LOST":
    case "STOLEN":
      return "frozen";
    case "PRE_CANCEL":
    case "CANCELLED":
      return "cancelled";
    case "FAILED":
      return "failed";
  }
}

type MoneyState = "unsettled" | "loaded" | "refunded";

/** Where a card's load amount is: still in flight, on the card, or back in the wallet. */
export function moneyState(status: CardStatus): MoneyState {
  if (status === "creating" || status === "pending") return "unsettled";
  return status === "failed" ? "refunded" : "loaded";
}

/** Ledger references of a card's three possible movements: unique, so each happens at most once. */
export const cardLedgerReference = {
  debit: (cardId: string) => `card:${cardId}:debit`,
  loaded: (cardId: string) => `card:${cardId}:loaded`,
  refund: (cardId: string) => `card:${cardId}:refund`,
};

/** The issuer accepted the order (or answered a retrieve): record its ids and move on from `creating`. */
export async function recordIssued(
  ctx: TenantContext,
  card: CardRow,
  issued: IssuedCard,
  lease?: KeyLease | null,
): Promise<CardRow> {
  const next = issued.orderStatus === "FAILED" ? "failed" : cardStatusFromIssuer(issued.status);
  return applyIssuerState(
    ctx,
    card,
    {
      status: next,
      issuerStatus: issued.status,
      issuerCardId: issued.issuerCardId,
      issuerOrderId: issued.issuerOrderId,
    },
    lease,
  );
}

export interface IssuerState {
  status: CardStatus;
  issuerStatus: string;
  issuerCardId?: string;
  issuerOrderId?: string;
  maskedNumber?: string;
  failureReason?: string;
  /** News of the card's creation: it never moves a card that is already live (frozen, say). */
  fromCreation?: boolean;
}

/**
 * Moves a card to the issuer's state in one transaction with its money: confirmed (anything past
 * pending except failed) posts in-flight → loaded; failed posts the refund. Returns the fresh row.
 * With a lease (the request or sweep holding the card's Idempotency-Key), the transaction commits
 * only while the lease still holds the key (KeyLostError otherwise, nothing written).
 */
export async function applyIssuerState(
  ctx: TenantContext,
  card: CardRow,
  state: IssuerState,
  lease?: KeyLease | null,
): Promise<CardRow> {
  return inTransaction(ctx.db, async (tx) => {
    if (lease) await holdKey(tx, lease);
    const current = await lockCard(tx, card.id);
    const from = moneyState(current.status);
    const to = moneyState(state.status);
    let status = state.status;
    const book = { tenantId: current.tenant_id, mode: current.mode, currency: current.currency };
    if (from === "unsettled" && to === "refunded") {
      await post(tx, book, {
        kind: "card_refund",
        amount: current.load_amount,
        reference: cardLedgerReference.refund(current.id),
        cardId: current.id,
      });
    } else if (from === "unsettled" && to === "loaded") {
      await post(tx, book, {
        kind: "card_loaded",
        amount: current.load_amount,
        reference: cardLedgerReference.loaded(current.id),
        cardId: current.id,
      });
    } else if (from === "unsettled") {
      // Never backwards: a pending card does not return to creating.
      if (current.status === "pending") status = "pending";
    } else if (to === "unsettled") {
      // Stale news (a create response or webhook that lost the race with a later one): never backwards.
      status = current.status;
    } else if (from !== to) {
      // Settled money never moves on issuer news. A refunded card the issuer now calls live, or a
      // loaded card it calls failed, is a discrepancy for reconciliation and a human, not for code.
      ctx.log.error(
        { cardId: current.id, ours: current.status, issuer: state.issuerStatus },
        "issuer contradicts a settled card",
      );
      status = current.status;
    }
    // Cancelling is final; and news of a card's creation is older than anything done to it since.
    if (current.status === "cancelled" || (state.fromCreation && from !== "unsettled")) {
      status = current.status;
    }
    // A status change the tenant asked for is done once the card is in it (cancelled ends any).
    const pendingStatus =
      current.pending_status === status || status === "cancelled" || status === "failed"
        ? null
        : current.pending_status;
    const issuerCardId = state.issuerCardId ?? current.issuer_card_id;
    if (issuerCardId && !current.issuer_card_id) {
      // The tenant's first card at the issuer: from now on its transactions are read back too.
      await startTransactionSync(tx, current.tenant_id, current.mode, ctx.now());
    }
    const updated = await updateCard(tx, current.id, {
      status,
      issuer_status: state.issuerStatus,
      issuer_card_id: issuerCardId,
      pending_status: pendingStatus,
      ...(pendingStatus === null ? { status_order_id: null } : {}),
      issuer_order_id: state.issuerOrderId ?? current.issuer_order_id,
      masked_number: state.maskedNumber ?? current.masked_number,
      failure_reason: state.failureReason ?? current.failure_reason,
      updated_at: ctx.now(),
    });
    await announce(tx, current, updated);
    return updated;
  });
}

/**
 * Tells the tenant (outbound webhooks) what changed, in the transaction that changed it:
 * `card.created` when the issuer accepts a card, `card.failed` when it ends refunded,
 * `card.status_changed` for every other move (pending → active, frozen, cancelled).
 */
async function announce(tx: Tx, before: CardRow, after: CardRow): Promise<void> {
  if (before.status === after.status) return;
  const base = { tenantId: after.tenant_id, mode: after.mode };
  if (after.status === "failed") {
    await emitEvent(tx, {
      ...base,
      type: "card.failed",
      data: { ...presentCard(after), previousStatus: before.status, reason: after.failure_reason },
    });
  } else if (before.status === "creating") {
    await emitEvent(tx, { ...base, type: "card.created", data: presentCard(after) });
  } else {
    await emitEvent(tx, {
      ...base,
      type: "card.status_changed",
      data: { ...presentCard(after), previousStatus: before.status },
    });
  }
}

/** Asks the issuer for a card's current state and applies it (fenced by `lease` when given). Errors propagate. */
export async function refreshCard(
  ctx: TenantContext,
  card: CardRow,
  lease?: KeyLease | null,
): Promise<CardRow> {
  if (!card.issuer_card_id) return card;
  const upstream = await requireIssuer(ctx).getCard(card.issuer_card_id);
  return applyIssuerState(
    ctx,
    card,
    {
      status: cardStatusFromIssuer(upstream.status),
      issuerStatus: upstream.status,
      maskedNumber: upstream.maskedNumber,
    },
    lease,
  );
}
