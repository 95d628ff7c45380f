import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { inTransaction } from "../../db/transaction.ts";
import { getCard } from "../cards/reveal.ts";
import type { CardRow } from "../cards/row.ts";
import { advanceKey, holdKey, KeyLostError } from "../idempotency/keys.ts";
import {
  type IdempotentRun,
  type Outcome,
  withIdempotency,
} from "../idempotency/with-idempotency.ts";
import { insufficientBalance } from "../wallet/insufficient.ts";
import { post } from "../wallet/ledger.ts";
import { sendOrder } from "./call-issuer.ts";
import { type MoneyOrderView, presentMoneyOrder } from "./present.ts";
import { insertOrder, type MoneyOrderRow, orderById } from "./repo.ts";
import { amountInCardCurrency, requireCardState, unknownOutcome } from "./rules.ts";
import { orderLedgerReference } from "./settle.ts";

export interface MoneyOrderInput {
  cardId: string;
  /** Major units of the card's currency, as the request said it (the card decides the currency). */
  amount: number;
  idempotencyKey?: string;
}

/**
 * Loads money onto a card, with issuance's guarantees (docs/adr/0003): the wallet is debited
 * first, in one transaction with the order's record and the key's recovery point (the CHECK on the
 * wallet refuses an overdraft under any concurrency: 402); then the issuer is asked with the
 * order's own upstream key; its answer loads the money (succeeded), refunds it (failed), or leaves
 * it in flight (pending, or 503 when the answer never came: a retry with the Idempotency-Key or
 * the recovery sweep asks again, and the issuer replays rather than loading twice).
 */
export async function topUpCard(
  ctx: TenantContext,
  input: MoneyOrderInput,
): Promise<{ order: MoneyOrderView; replayed: boolean }> {
  // The card first: another tenant's or mode's card is a 404 whether or not an issuer is configured.
  const card = await getCard(ctx, { cardId: input.cardId });
  requireIssuer(ctx);
  const amountMinor = amountInCardCurrency(input.amount, card.currency);
  const { value, replayed } = await withIdempotency(
    ctx,
    { operation: "POST /cards/:cardId/top-ups", key: input.idempotencyKey },
    sha256Hex(JSON.stringify(["top_up", card.id, amountMinor.toString()])),
    (run) => topUpOnce(ctx, card, amountMinor, run),
  );
  return { order: value, replayed };
}

async function topUpOnce(
  ctx: TenantContext,
  card: CardRow,
  amountMinor: bigint,
  run: IdempotentRun,
): Promise<Outcome<MoneyOrderView>> {
  let order: MoneyOrderRow;
  if (run.resume?.recoveryPoint === "order_created" && run.resume.orderId) {
    order = (await orderById(ctx.db, run.resume.orderId)) as MoneyOrderRow;
  } else {
    requireCardState(card, ["active"], "topped up");
    order = await debitAndRecord(ctx, card, amountMinor, run).catch(async (error: unknown) => {
      if (!(error instanceof CardrailError && error.code === "insufficient_balance")) throw error;
      throw await insufficientBalance(ctx.db, { ...ctx, currency: card.currency }, amountMinor);
    });
    run.recorded();
  }
  if (run.lease?.lost) throw new KeyLostError(run.lease.ref);
  const sent = order.status === "creating" ? await sendOrder(ctx, card, order, run.lease) : order;
  if (sent === "unknown") return { unknown: unknownOutcome(order) };
  return { ok: presentMoneyOrder(sent) };
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
