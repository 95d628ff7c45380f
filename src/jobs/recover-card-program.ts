import { type CoreDeps, contextFor, type Log } from "../core/context.ts";
import { claimDue } from "../db/claim.ts";
import { sendOrder } from "../modules/card-money/call-issuer.ts";
import { dueOrders, touchOrders } from "../modules/card-money/repo.ts";
import { settleOrder } from "../modules/card-money/settle.ts";
import { returnCancelledBalance } from "../modules/cards/card-return.ts";
import { sendStatusRequest } from "../modules/cards/lifecycle.ts";
import { cardById } from "../modules/cards/repo.ts";
import {
  abandonStatusRequest,
  cancelledAwaitingReturn,
  unconfirmedStatusRequests,
} from "../modules/cards/repo-program.ts";
import { applyIssuerState, cardStatusFromIssuer } from "../modules/cards/settle.ts";
import { KeyLostError, takeKeyOf, unlockKey } from "../modules/idempotency/keys.ts";

export interface CardProgramRecoveryDeps extends CoreDeps {
  log: Log;
  /** Only what has been waiting this long: younger work may still have its request in flight. */
  olderThanMs: number;
  batchSize?: number;
}

export interface CardProgramRecoveryReport {
  orders: number;
  statusRequests: number;
  returns: number;
}

/**
 * Finishes what a request, a webhook or a crash left open after issuance, as recoverCards does
 * for issuance: top-ups and withdrawals whose outcome is unknown (sent again with their upstream
 * key, which the issuer replays) or pending (read back), status changes the issuer has not
 * confirmed, and cancelled cards whose balance has not come back yet. Orders are claimed with SKIP
 * LOCKED, so several processes share them, and an order whose Idempotency-Key a live request holds
 * is left to it. Status requests and returns may be looked at by two processes at once: a status
 * request is re-sent with its own versioned upstream key (the issuer replays), and a return locks
 * its card and moves money under a unique reference, so either way it acts once.
 */
export async function recoverCardProgram(
  deps: CardProgramRecoveryDeps,
): Promise<CardProgramRecoveryReport> {
  const batch = deps.batchSize ?? 50;
  const report: CardProgramRecoveryReport = { orders: 0, statusRequests: 0, returns: 0 };
  const ctxOf = (tenantId: string, mode: "test" | "live") =>
    contextFor(deps, {
      tenantId,
      mode,
      actor: { kind: "service", component: "recovery" },
      log: deps.log,
    });

  const orders = await claimDue(
    deps.db,
    (tx) => dueOrders(tx, deps.olderThanMs, batch),
    (tx, ids) => touchOrders(tx, ids),
  );
  for (const order of orders) {
    const ctx = ctxOf(order.tenant_id, order.mode);
    if (!ctx.issuer) continue;
    const key = await takeKeyOf(
      deps.db,
      { orderId: order.id },
      deps.settings.idempotencyLockTimeoutMs,
    );
    if (key.state === "held") continue;
    const lease = key.state === "taken" ? key.lease : null;
    try {
      const card = await cardById(deps.db, order.card_id);
      if (order.status === "creating") {
        if ((await sendOrder(ctx, card, order, lease)) !== "unknown") report.orders++;
      } else if (order.issuer_order_id) {
        const upstream = await ctx.issuer.getOrder(order.issuer_order_id);
        if (upstream.status === "SUCCESS" || upstream.status === "FAILED") {
          await settleOrder(
            deps.db,
            order,
            upstream.status === "SUCCESS"
              ? { status: "succeeded" }
              : { status: "failed", failureReason: "The card issuer failed the order" },
            lease,
          );
          report.orders++;
        }
      }
    } catch (error) {
      if (!(error instanceof KeyLostError)) {
        deps.log.warn(
          { err: error, orderId: order.id },
          "recovery could not finish the order this time",
        );
      }
    } finally {
      if (lease) await unlockKey(deps.db, lease).catch(() => {});
    }
  }

  for (const card of await unconfirmedStatusRequests(deps.db, deps.olderThanMs, batch)) {
    const ctx = ctxOf(card.tenant_id, card.mode);
    if (!ctx.issuer || !card.issuer_card_id) continue;
    try {
      const upstream = await ctx.issuer.getCard(card.issuer_card_id);
      const reached = cardStatusFromIssuer(upstream.status);
      if (reached === card.pending_status || reached === "cancelled") {
        await applyIssuerState(ctx, card, { status: reached, issuerStatus: upstream.status });
      } else if (card.status_order_id) {
        const order = await ctx.issuer.getOrder(card.status_order_id);
        if (order.status === "FAILED")
          await abandonStatusRequest(deps.db, card.id, card.status_version);
      } else {
        await sendStatusRequest(ctx, card);
      }
      report.statusRequests++;
    } catch (error) {
      deps.log.warn(
        { err: error, cardId: card.id },
        "recovery could not confirm the status change",
      );
    }
  }

  for (const card of await cancelledAwaitingReturn(deps.db, deps.olderThanMs, batch)) {
    const ctx = ctxOf(card.tenant_id, card.mode);
    if (!ctx.issuer) continue;
    try {
      if (await returnCancelledBalance(ctx, card)) report.returns++;
    } catch (error) {
      deps.log.warn(
        { err: error, cardId: card.id },
        "recovery could not return the card's balance",
      );
    }
  }
  return report;
}
