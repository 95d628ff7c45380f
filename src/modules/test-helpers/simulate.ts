import type { TenantContext } from "../../core/context.ts";
import { CardrailError, notFound, validationError } from "../../core/errors.ts";
import { decimalToMinor } from "../../core/money.ts";
import type { IssuerSimulation, IssuerTransaction } from "../../issuer/port.ts";
import { findCard } from "../cards/reveal.ts";
import { presentTransaction, type TransactionView } from "../transactions/present.ts";
import { recordTransaction } from "../transactions/record.ts";
import { findTransaction } from "../transactions/repo.ts";

export interface SimulatedPurchase {
  cardId: string;
  /** Major units of `currency` (the merchant's, which may differ from the card's). */
  amount: number;
  currency: string;
  merchant: { name: string; mcc: string; country?: string; city?: string };
}

/**
 * Test mode only: what the simulated issuer can do for a tenant's integration tests. Anything else
 * (a live key, an issuer that cannot simulate) is a 404, as if the helpers did not exist.
 */
function simulationOf(ctx: TenantContext): IssuerSimulation {
  const simulation = ctx.mode === "test" ? ctx.issuer?.simulation : undefined;
  if (!simulation) throw notFound("Test helper");
  return simulation;
}

/**
 * A purchase at a merchant, approved or declined by the simulated issuer's own rules (the card's
 * balance, status, controls): a decline is a transaction, not an error. The transaction is recorded
 * through the path every issuer transaction takes (its webhook arrives too; recorded once).
 */
export async function simulateAuthorization(
  ctx: TenantContext,
  input: SimulatedPurchase,
): Promise<TransactionView> {
  const simulation = simulationOf(ctx);
  const card = await findCard(ctx, { cardId: input.cardId });
  if (!card.issuer_card_id) {
    throw new CardrailError("card_not_active", "The card is still being issued", {
      cardId: card.id,
      status: card.status,
    });
  }
  const amountMinor = decimalToMinor(input.amount, input.currency);
  if (amountMinor === null) {
    throw validationError([
      { field: "amount", message: `too many decimal places for ${input.currency}` },
    ]);
  }
  const transaction = await simulation.authorize({
    issuerCardId: card.issuer_card_id,
    amountMinor,
    currency: input.currency,
    merchant: input.merchant,
  });
  return record(ctx, transaction);
}

export type TransactionFollowUp = "reverse" | "settle" | "refund";

/** Reverses, settles or refunds a transaction of this tenant's test mode: the new transaction. */
export async function simulateFollowUp(
  ctx: TenantContext,
  input: { transactionId: string; action: TransactionFollowUp },
): Promise<TransactionView> {
  const simulation = simulationOf(ctx);
  const original = await findTransaction(ctx, input.transactionId);
  if (!original) throw notFound("Transaction");
  const act = simulation[input.action];
  if (!act) throw notFound("Test helper");
  return record(ctx, await act.call(simulation, original.issuer_transaction_id));
}

async function record(
  ctx: TenantContext,
  transaction: IssuerTransaction,
): Promise<TransactionView> {
  const recorded = await recordTransaction(ctx, transaction);
  if (recorded.result === "unknown_card") throw notFound("Card");
  return presentTransaction(recorded.row);
}
