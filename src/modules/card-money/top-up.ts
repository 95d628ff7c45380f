import type { TenantContext } from "../../core/context.ts";
import { deterministicUuid } from "../../core/deterministic-uuid.ts";
import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { inTransaction } from "../../db/transaction.ts";
import type { CardRow } from "../cards/row.ts";
import { advanceKey, holdKey } from "../idempotency/keys.ts";
import type { IdempotentRun } from "../idempotency/with-idempotency.ts";
import { insufficientBalance } from "../wallet/insufficient.ts";
import { post } from "../wallet/ledger.ts";
import { type MoneyOrderInput, runMoneyOrder } from "./order-flow.ts";
import type { MoneyOrderView } from "./present.ts";
import { insertOrder, type MoneyOrderRow } from "./repo.ts";
import { requireCardState } from "./rules.ts";
import { orderLedgerReference } from "./settle.ts";

/**
 * Loads money onto a card, with issuance's guarantees (docs/adr/0003): the wallet is debited
 * first, in one transaction with the order's record and the key's recovery point (the CHECK on the
 * wallet refuses an overdraft under any concurrency: 402); then the issuer is asked with the
 * order's own upstream key; its answer loads the money (succeeded), refunds it (failed), or leaves
 * it in flight (pending, or 503 when the answer never came: a retry with the Idempotency-Key or
 * the recovery sweep asks again, and the issuer replays rather than loading twice).
 */
export function topUpCard(
  ctx: TenantContext,
  input: MoneyOrderInput,
): Promise<{ order: MoneyOrderView; replayed: boolean }> {
  return runMoneyOrder(ctx, "top_up", input, async (card, amountMinor, run) => {
    requireCardState(card, ["active"], "topped up");
    return debitAndRecord(ctx, card, amountMinor, run).catch(async (error: unknown) => {
      if (!(error instanceof CardrailError && error.code === "insufficient_balance")) throw error;
      throw await insufficientBalance(ctx.db, { ...ctx, currency: card.currency }, amountMinor);
    });
  });
}

async function debitAndRecord(
  ctx: TenantContext,
  card: CardRow,
  amountMinor: bigint,
  run: IdempotentRun,
): Promise<MoneyOrderRow> {
  const id = newId("mo");
  return inTransaction(ctx.db, async (tx) => {
    // First: a request that lost its key records and debits nothing (the transaction rolls back).
    if (run.lease) await holdKey(tx, run.lease);
    const order = await insertOrder(tx, {
      id,
      tenant_id: ctx.tenantId,
      mode: ctx.mode,
      card_id: card.id,
      kind: "top_up",
      amount: amountMinor,
      currency: card.currency,
      status: "creating",
      upstream_key: deterministicUuid("card-top-up", id),
    });
    await post(
      tx,
      { tenantId: ctx.tenantId, mode: ctx.mode, currency: card.currency },
      {
        kind: "top_up_debit",
        amount: amountMinor,
        reference: orderLedgerReference.debit(id),
        cardId: card.id,
      },
    );
    if (run.lease) await advanceKey(tx, run.lease, "order_created", id);
    return order;
  });
}
