import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { IssuerError, isIssuerRefusal } from "../../issuer/port.ts";
import type { CardRow } from "../cards/row.ts";
import type { KeyLease } from "../idempotency/keys.ts";
import type { MoneyOrderRow } from "./repo.ts";
import { notePending, settleOrder } from "./settle.ts";

/**
 * Sends an order to the issuer with its own upstream idempotency key (derived from the order's id,
 * so a retry, a resumed request or the sweep can only ever replay it there) and records the answer:
 * done → settled; accepted but not finished → pending (a webhook or the sweep ends it); refused →
 * failed (a top-up's debit refunded); no answer → "unknown": the order stays as it is, and its
 * money with it, until a retry or the sweep asks again.
 */
export async function sendOrder(
  ctx: TenantContext,
  card: Pick<CardRow, "issuer_card_id">,
  order: MoneyOrderRow,
  lease: KeyLease | null,
): Promise<MoneyOrderRow | "unknown"> {
  const issuer = requireIssuer(ctx);
  if (!card.issuer_card_id) throw new Error(`order ${order.id} on a card the issuer does not know`);
  const amount = { amountMinor: order.amount, currency: order.currency };
  const call = { idempotencyKey: order.upstream_key };
  try {
    const answer =
      order.kind === "top_up"
        ? await issuer.rechargeCard(card.issuer_card_id, amount, call)
        : await issuer.withdrawFromCard(card.issuer_card_id, amount, call);
    if (answer.status === "SUCCESS")
      return settleOrder(ctx.db, order, { status: "succeeded" }, lease);
    if (answer.status === "FAILED") {
      return settleOrder(
        ctx.db,
        order,
        { status: "failed", failureReason: "The card issuer failed the order" },
        lease,
      );
    }
    return notePending(ctx.db, order, answer.issuerOrderId, lease);
  } catch (error) {
    if (isIssuerRefusal(error)) {
      return settleOrder(
        ctx.db,
        order,
        { status: "failed", failureReason: `Refused by the card issuer: ${error.message}` },
        lease,
      );
    }
    if (error instanceof IssuerError) {
      ctx.log.warn(
        { orderId: order.id, kind: error.kind },
        "card order outcome unknown; kept for retry",
      );
      return "unknown";
    }
    throw error;
  }
}
