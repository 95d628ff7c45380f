import type { DbOrTx, Tx } from "../../db/pool.ts";
import { inTransaction } from "../../db/transaction.ts";
import { noteCardBalance } from "../cards/repo-program.ts";
import { holdKey, type KeyLease } from "../idempotency/keys.ts";
import { post } from "../wallet/ledger.ts";
import { emitEvent } from "../webhooks/index.ts";
import { presentMoneyOrder } from "./present.ts";
import { finishOrder, type MoneyOrderRow, noteIssuerOrder, orderById } from "./repo.ts";

/**
 * The ledger references of an order's movements: unique, so each moves at most once whoever
 * settles the order (the request, an issuer webhook, the recovery sweep) and however often.
 */
export const orderLedgerReference = {
  debit: (orderId: string) => `topup:${orderId}:debit`,
  loaded: (orderId: string) => `topup:${orderId}:loaded`,
  refund: (orderId: string) => `topup:${orderId}:refund`,
  withdrawal: (orderId: string) => `withdrawal:${orderId}`,
};

const EVENT_TYPES = {
  top_up: { succeeded: "card.top_up.succeeded", failed: "card.top_up.failed" },
  withdrawal: { succeeded: "card.withdrawal.succeeded", failed: "card.withdrawal.failed" },
} as const;

export interface OrderOutcome {
  status: "succeeded" | "failed";
  failureReason?: string;
  /** The card's available balance after it, when the issuer said (minor units). */
  availableMinor?: bigint;
}

/**
 * Ends an open order, moving its money in the same transaction: a top-up that succeeded is loaded
 * (in flight → on cards), one that failed is refunded to the wallet; a withdrawal that succeeded
 * credits the wallet (nothing moved before the issuer confirmed it). Fenced by `lease` when the
 * request holding the order's Idempotency-Key settles it. Returns the order as it now is.
 */
export async function settleOrder(
  db: DbOrTx,
  order: MoneyOrderRow,
  outcome: OrderOutcome,
  lease: KeyLease | null = null,
): Promise<MoneyOrderRow> {
  return inTransaction(db, async (tx) => {
    if (lease) await holdKey(tx, lease);
    const finished = await finishOrder(tx, order.id, outcome.status, outcome.failureReason ?? null);
    if (!finished) return (await orderById(tx, order.id)) ?? order;
    await moveMoney(tx, finished);
    if (outcome.availableMinor !== undefined) {
      await noteCardBalance(tx, finished.card_id, outcome.availableMinor, new Date());
    }
    await emitEvent(tx, {
      tenantId: finished.tenant_id,
      mode: finished.mode,
      type: EVENT_TYPES[finished.kind][outcome.status],
      data: presentMoneyOrder(finished),
    });
    return finished;
  });
}

async function moveMoney(tx: Tx, order: MoneyOrderRow) {
  const book = { tenantId: order.tenant_id, mode: order.mode, currency: order.currency };
  const base = { amount: order.amount, cardId: order.card_id };
  if (order.kind === "top_up") {
    await post(tx, book, {
      ...base,
      kind: order.status === "succeeded" ? "top_up_loaded" : "top_up_refund",
      reference:
        order.status === "succeeded"
          ? orderLedgerReference.loaded(order.id)
          : orderLedgerReference.refund(order.id),
    });
  } else if (order.status === "succeeded") {
    await post(tx, book, {
      ...base,
      kind: "card_withdrawal",
      reference: orderLedgerReference.withdrawal(order.id),
    });
  }
}

/** The issuer accepted the order but has not finished it: note its id, the outcome comes later. */
export async function notePending(
  db: DbOrTx,
  order: MoneyOrderRow,
  issuerOrderId: string,
  lease: KeyLease | null,
) {
  return inTransaction(db, async (tx) => {
    if (lease) await holdKey(tx, lease);
    return noteIssuerOrder(tx, order.id, issuerOrderId);
  });
}
