import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { sha256Hex } from "../../core/deterministic-uuid.ts";
import type { MoneyOrderKind } from "../../db/schema.ts";
import { getCard } from "../cards/reveal.ts";
import type { CardRow } from "../cards/row.ts";
import { KeyLostError } from "../idempotency/keys.ts";
import { type IdempotentRun, withIdempotency } from "../idempotency/with-idempotency.ts";
import { sendOrder } from "./call-issuer.ts";
import { type MoneyOrderView, presentMoneyOrder } from "./present.ts";
import { type MoneyOrderRow, orderById } from "./repo.ts";
import { amountInCardCurrency, unknownOutcome } from "./rules.ts";

export interface MoneyOrderInput {
  cardId: string;
  /** Major units of the card's currency, as the request said it (the card decides the currency). */
  amount: number;
  idempotencyKey?: string;
}

const OPERATIONS: Record<MoneyOrderKind, string> = {
  top_up: "POST /cards/:cardId/top-ups",
  withdrawal: "POST /cards/:cardId/withdrawals",
};

/**
 * The one path of a top-up or withdrawal (they differ only in what `start` checks and records):
 * the card (another tenant's or mode's is a 404 whether or not an issuer is configured), the
 * Idempotency-Key (withIdempotency), the order recorded by `start` or resumed from the key's
 * recovery point, then sent to the issuer with its own upstream key. No answer → 503, the key kept
 * for a retry and the order for the sweep.
 */
export async function runMoneyOrder(
  ctx: TenantContext,
  kind: MoneyOrderKind,
  input: MoneyOrderInput,
  start: (card: CardRow, amountMinor: bigint, run: IdempotentRun) => Promise<MoneyOrderRow>,
): Promise<{ order: MoneyOrderView; replayed: boolean }> {
  const card = await getCard(ctx, { cardId: input.cardId });
  requireIssuer(ctx);
  const amountMinor = amountInCardCurrency(input.amount, card.currency);
  const { value, replayed } = await withIdempotency<MoneyOrderView>(
    ctx,
    { operation: OPERATIONS[kind], key: input.idempotencyKey },
    sha256Hex(JSON.stringify([kind, card.id, amountMinor.toString()])),
    async (run) => {
      let order: MoneyOrderRow;
      if (run.resume?.recoveryPoint === "order_created" && run.resume.orderId) {
        order = (await orderById(ctx.db, run.resume.orderId)) as MoneyOrderRow;
      } else {
        order = await start(card, amountMinor, run);
        run.recorded();
      }
      if (run.lease?.lost) throw new KeyLostError(run.lease.ref);
      const sent =
        order.status === "creating" ? await sendOrder(ctx, card, order, run.lease) : order;
      if (sent === "unknown") return { unknown: unknownOutcome(order) };
      return { ok: presentMoneyOrder(sent) };
    },
  );
  return { order: value, replayed };
}
