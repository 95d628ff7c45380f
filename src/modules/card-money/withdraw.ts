import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { minorToDecimalString, minorToNumber } from "../../core/money.ts";
import { inTransaction } from "../../db/transaction.ts";
import { noteCardBalance } from "../cards/repo-program.ts";
import { getCard } from "../cards/reveal.ts";
import type { CardRow } from "../cards/row.ts";
import { advanceKey, holdKey, KeyLostError } from "../idempotency/keys.ts";
import {
  type IdempotentRun,
  type Outcome,
  withIdempotency,
} from "../idempotency/with-idempotency.ts";
import { sendOrder } from "./call-issuer.ts";
import { type MoneyOrderView, presentMoneyOrder } from "./present.ts";
import { insertOrder, type MoneyOrderRow, orderById } from "./repo.ts";
import { amountInCardCurrency, requireCardState, unknownOutcome } from "./rules.ts";
import type { MoneyOrderInput } from "./top-up.ts";

/**
 * Takes money off a card back to the wallet. Nothing moves until the issuer has confirmed: the
 * order is recorded (with the key's recovery point) before the issuer is asked, and the wallet is
 * credited by whoever learns of the issuer's success first (this request, the issuer's webhook,
 * the recovery sweep), exactly once (settle.ts). More than the card holds is a 402 naming the
 * card's balance, refused before anything is recorded.
 */
export async function withdrawFromCard(
  ctx: TenantContext,
  input: MoneyOrderInput,
): Promise<{ order: MoneyOrderView; replayed: boolean }> {
  // The card first: another tenant's or mode's card is a 404 whether or not an issuer is configured.
  const card = await getCard(ctx, { cardId: input.cardId });
  requireIssuer(ctx);
  const amountMinor = amountInCardCurrency(input.amount, card.currency);
  const { value, replayed } = await withIdempotency(
    ctx,
    { operation: "POST /cards/:cardId/withdrawals", key: input.idempotencyKey },
    sha256Hex(JSON.stringify(["withdrawal", card.id, amountMinor.toString()])),
    (run) => withdrawOnce(ctx, card, amountMinor, run),
  );
  return { order: value, replayed };
}

async function withdrawOnce(
  ctx: TenantContext,
  card: CardRow,
  amountMinor: bigint,
  run: IdempotentRun,
): Promise<Outcome<MoneyOrderView>> {
  let order: MoneyOrderRow;
  if (run.resume?.recoveryPoint === "order_created" && run.resume.orderId) {
    order = (await orderById(ctx.db, run.resume.orderId)) as MoneyOrderRow;
  } else {
    requireCardState(card, ["active", "frozen"], "withdrawn from");
    await requireCardBalance(ctx, card, amountMinor);
    order = await record(ctx, card, amountMinor, run);
    run.recorded();
  }
  if (run.lease?.lost) throw new KeyLostError(run.lease.ref);
  const sent = order.status === "creating" ? await sendOrder(ctx, card, order, run.lease) : order;
  if (sent === "unknown") return { unknown: unknownOutcome(order) };
  return { ok: presentMoneyOrder(sent) };
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
