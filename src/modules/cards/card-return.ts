import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { minorToNumber } from "../../core/money.ts";
import { inTransaction } from "../../db/transaction.ts";
import { hasOpenOrders } from "../card-money/repo.ts";
import { cardLedgerTotalsOf } from "../wallet/card-totals.ts";
import { post } from "../wallet/ledger.ts";
import { emitEvent } from "../webhooks/index.ts";
import { lockCard } from "./repo.ts";
import { markBalanceReturned, noteCardBalance } from "./repo-program.ts";
import type { CardRow } from "./row.ts";

/** The ledger reference of a cancelled card's return: one per card, so it moves once. */
export const cardReturnReference = (cardId: string) => `card:${cardId}:return`;

/**
 * Returns what was left on a cancelled card to the wallet, once the issuer has finished the
 * cancellation (UQPay: CANCELLED after PRE_CANCEL; a card the issuer still holds in PRE_CANCEL
 * may settle purchases made before). The amount is the issuer's: its available balance at the end,
 * or, when it reports none then (it moved the money back on its side), the last balance it reported
 * while the card was being cancelled. Never more than the card was loaded with net of withdrawals
 * and earlier returns. Exactly once: the card is locked, `balance_returned_at` set and the ledger
 * reference unique, in one transaction. Returns true when the return is done.
 */
export async function returnCancelledBalance(ctx: TenantContext, card: CardRow): Promise<boolean> {
  if (card.status !== "cancelled" || card.balance_returned_at || !card.issuer_card_id) {
    return card.balance_returned_at !== null;
  }
  // A top-up or withdrawal still open may yet move money on the card: the return waits for it
  // (the sweep settles orders before it returns balances), or that money would stay stranded.
  if (await hasOpenOrders(ctx.db, card.id)) return false;
  const upstream = await requireIssuer(ctx).getCard(card.issuer_card_id);
  if (upstream.status !== "CANCELLED") {
    // Still being cancelled: keep the latest balance for the return.
    await noteCardBalance(ctx.db, card.id, upstream.availableMinor, ctx.now());
    return false;
  }
  return inTransaction(ctx.db, async (tx) => {
    const current = await lockCard(tx, card.id);
    if (current.balance_returned_at) return true;
    if (await hasOpenOrders(tx, card.id)) return false;
    const totals = await cardLedgerTotalsOf(tx, card.id);
    const reported =
      upstream.availableMinor > 0n ? upstream.availableMinor : (current.available_balance ?? 0n);
    const ceiling = totals.loaded - totals.withdrawn - totals.returned;
    const amount = reported < ceiling ? reported : ceiling;
    if (amount > 0n) {
      await post(
        tx,
        { tenantId: current.tenant_id, mode: current.mode, currency: current.currency },
        {
          kind: "card_return",
          amount,
          reference: cardReturnReference(current.id),
          cardId: current.id,
        },
      );
    }
    await markBalanceReturned(tx, current.id, ctx.now());
    await emitEvent(tx, {
      tenantId: current.tenant_id,
      mode: current.mode,
      type: "card.balance_returned",
      data: {
        cardId: current.id,
        amount: minorToNumber(amount, current.currency),
        currency: current.currency,
      },
    });
    return true;
  });
}
