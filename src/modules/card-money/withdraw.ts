import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid } from "../../core/deterministic-uuid.ts";
import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { minorToDecimalString, minorToNumber } from "../../core/money.ts";
import { inTransaction } from "../../db/transaction.ts";
import { noteCardBalance } from "../cards/repo-program.ts";
import type { CardRow } from "../cards/row.ts";
import { advanceKey, holdKey } from "../idempotency/keys.ts";
import type { IdempotentRun } from "../idempotency/with-idempotency.ts";
import { type MoneyOrderInput, runMoneyOrder } from "./order-flow.ts";
import type { MoneyOrderView } from "./present.ts";
import { insertOrder, type MoneyOrderRow } from "./repo.ts";
import { requireCardState } from "./rules.ts";

/**
 * Takes money off a card back to the wallet. Nothing moves until the issuer has confirmed: the
 * order is recorded (with the key's recovery point) before the issuer is asked, and the wallet is
 * credited by whoever learns of the issuer's success first (this request, the issuer's webhook,
 * the recovery sweep), exactly once (settle.ts). More than the card holds is a 402 naming the
 * card's balance, refused before anything is recorded.
 */
export function withdrawFromCard(
  ctx: TenantContext,
  input: MoneyOrderInput,
): Promise<{ order: MoneyOrderView; replayed: boolean }> {
  return runMoneyOrder(ctx, "withdrawal", input, async (card, amountMinor, run) => {
    requireCardState(card, ["active", "frozen"], "withdrawn from");
    await requireCardBalance(ctx, card, amountMinor);
    return record(ctx, card, amountMinor, run);
  });
}

/** Asks the issuer what the card holds now (and keeps its answer); 402 when it is not enough. */
async function requireCardBalance(ctx: TenantContext, card: CardRow, amountMinor: bigint) {
  if (!card.issuer_card_id) throw new Error(`card ${card.id} is active without an issuer id`);
  const upstream = await requireIssuer(ctx).getCard(card.issuer_card_id);
  await noteCardBalance(ctx.db, card.id, upstream.availableMinor, new Date());
  if (upstream.availableMinor >= amountMinor) return;
  const { currency } = card;
  throw new CardrailError(
    "insufficient_balance",
    `Insufficient card balance: ${currency} ${minorToDecimalString(upstream.availableMinor, currency)} available, ${minorToDecimalString(amountMinor, currency)} requested`,
    {
      available: minorToNumber(upstream.availableMinor, currency),
      required: minorToNumber(amountMinor, currency),
      currency,
    },
  );
}

async function record(
  ctx: TenantContext,
  card: CardRow,
  amountMinor: bigint,
  run: IdempotentRun,
): Promise<MoneyOrderRow> {
  const id = newId("mo");
  return inTransaction(ctx.db, async (tx) => {
    if (run.lease) await holdKey(tx, run.lease);
    const order = await insertOrder(tx, {
      id,
      tenant_id: ctx.tenantId,
      mode: ctx.mode,
      card_id: card.id,
      kind: "withdrawal",
      amount: amountMinor,
      currency: card.currency,
      status: "creating",
      upstream_key: deterministicUuid("card-withdrawal", id),
    });
    if (run.lease) await advanceKey(tx, run.lease, "order_created", id);
    return order;
  });
}
