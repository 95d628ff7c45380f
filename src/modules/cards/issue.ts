import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError, validationError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { inTransaction } from "../../db/transaction.ts";
import { findHolder, getHolderStatus } from "../cardholders/service.ts";
import { advanceKey, holdKey, type KeyLease, KeyLostError } from "../idempotency/keys.ts";
import { type IdempotentRun, withIdempotency } from "../idempotency/with-idempotency.ts";
import { insufficientBalance } from "../wallet/insufficient.ts";
import { post } from "../wallet/ledger.ts";
import { callIssuer, type IssueOutcome, outcomeOf } from "./call-issuer.ts";
import type { CardView } from "./present.ts";
import { cardById, insertCard } from "./repo.ts";
import type { CardRow } from "./row.ts";
import { cardLedgerReference } from "./settle.ts";

export interface IssueCardInput {
  holderId: string;
  productId: string;
  currency: string;
  amountMinor: bigint;
  /** The client's Idempotency-Key: a retry with it returns the first outcome and never debits twice. */
  idempotencyKey?: string;
}

export interface IssueResult {
  card: CardView;
  replayed: boolean;
}

/**
 * Issues a virtual card, debiting the wallet first (recovery points: docs/adr/0003):
 *
 *  1. preconditions (product, currency, cardholder ACTIVE): refused before anything is recorded;
 *  2. in ONE transaction: write the card as `creating`, debit the wallet (the CHECK refuses
 *     overdrafts under any concurrency), advance the key to card_created;
 *  3. call the issuer outside any transaction, with an upstream key derived from the card's id;
 *  4. record the answer: accepted → pending/active; refused → failed + refund (both final, stored
 *     as the key's outcome); unknown (timeout, 5xx, reset) → the card stays `creating`, the key is
 *     unlocked, and the caller gets 503. A retry with the key resumes at step 3 with the same
 *     upstream key; without a retry the recovery sweep does the same.
 *
 * The Idempotency-Key (claim, replay, resume, release, unlock, finish, a key lost to a takeover)
 * is withIdempotency's. The key comes first: a replay answers the first outcome even if the
 * product or holder changed since. Every write after the claim is fenced by the key's lease.
 */
export async function issueCard(ctx: TenantContext, input: IssueCardInput): Promise<IssueResult> {
  requireIssuer(ctx);
  const { value, replayed } = await withIdempotency(
    ctx,
    { operation: "POST /cards", key: input.idempotencyKey },
    requestHash(input),
    (run) => issueOnce(ctx, input, run),
  );
  return { card: value, replayed };
}

/** Steps 1-4 for one request; `run.lease` fences every write, `run.resume` names a debited card. */
async function issueOnce(
  ctx: TenantContext,
  input: IssueCardInput,
  run: IdempotentRun,
): Promise<IssueOutcome | { unknown: CardrailError }> {
  const { lease } = run;
  let card: CardRow;
  let issuerProductId: string;
  let knownHolder: { issuer_cardholder_id: string | null } | undefined;
  if (run.resume?.recoveryPoint === "card_created" && run.resume.cardId) {
    // Resuming a debited card: its product was checked when it was debited.
    card = await cardById(ctx.db, run.resume.cardId);
    issuerProductId = await issuerProductOf(ctx, card.product_id);
  } else {
    const checked = await checkPreconditions(ctx, input);
    issuerProductId = checked.product.issuer_product_id;
    knownHolder = checked.holder;
    card = await debitAndRecord(ctx, input, lease).catch(async (error: unknown) => {
      if (!(error instanceof CardrailError && error.code === "insufficient_balance")) throw error;
      throw await insufficientBalance(
        ctx.db,
        { ...ctx, currency: input.currency },
        input.amountMinor,
      );
    });
    run.recorded();
  }

  // A key lost while waiting (say, on a status refresh) is not worth an issuer call.
  if (lease?.lost) throw new KeyLostError(lease.ref);
  // A resumed request whose card was meanwhile settled (by the recovery sweep) answers from the record.
  const outcome =
    card.status === "creating"
      ? await callIssuer(ctx, card, issuerProductId, { known: knownHolder, lease })
      : outcomeOf(card);
  if (outcome !== "unknown") return outcome;
  return {
    unknown: new CardrailError(
      "upstream_unavailable",
      "The card issuer did not confirm the card in time. The amount is held, not lost: retry with the same Idempotency-Key, or check the card, which ends active or refunded.",
      { cardId: card.id, status: "creating" },
      2,
    ),
  };
}

/** The issuer's id of one of our card products (card_products is the catalogue's; read-only here). */
export async function issuerProductOf(
  ctx: Pick<TenantContext, "db" | "mode">,
  productId: string,
): Promise<string> {
  const product = await ctx.db
    .selectFrom("card_products")
    .select("issuer_product_id")
    .where("mode", "=", ctx.mode)
    .where("id", "=", productId)
    .executeTakeFirstOrThrow();
  return product.issuer_product_id;
}

/** The request's identity for Idempotency-Key comparison: normalised, so formatting differences do not count. */
function requestHash(input: IssueCardInput): string {
  return sha256Hex(
    JSON.stringify([input.holderId, input.productId, input.currency, input.amountMinor.toString()]),
  );
}

async function checkPreconditions(ctx: TenantContext, input: IssueCardInput) {
  const product = await ctx.db
    .selectFrom("card_products")
    .selectAll()
    .where("mode", "=", ctx.mode)
    .where("id", "=", input.productId)
    .executeTakeFirst();
  if (!product)
    throw validationError([{ field: "card_product_id", message: "unknown card product" }]);
  if (!product.enabled) {
    throw validationError([
      { field: "card_product_id", message: "this card product is disabled; no new cards on it" },
    ]);
  }
  if (!product.currencies.includes(input.currency)) {
    throw validationError([
      {
        field: "currency",
        message: `card product ${product.id} is offered in ${product.currencies.join(", ")}`,
      },
    ]);
  }
  const holder = await findHolder(ctx, { holderId: input.holderId });
  // A tenant that did not poll still gets its card once the issuer has approved the holder.
  const status =
    holder.status === "IN_REVIEW"
      ? (await getHolderStatus(ctx, { holderId: holder.id })).status
      : holder.status;
  if (status === "IN_REVIEW") {
    throw new CardrailError(
      "cardholder_under_verification",
      "The cardholder is still under verification",
    );
  }
  if (status === "REJECTED")
    throw new CardrailError("cardholder_rejected", "The cardholder was rejected by KYC");
  return { product, holder };
}

async function debitAndRecord(
  ctx: TenantContext,
  input: IssueCardInput,
  lease: KeyLease | null,
): Promise<CardRow> {
  const cardId = newId("card");
  // The holder was found ACTIVE by checkPreconditions, and statuses only move forward
  // (changeHolderStatus): it is still ACTIVE, so it is not read again here.
  return inTransaction(ctx.db, async (tx) => {
    // First, so that a request that lost its key writes no card and debits nothing (the whole
    // transaction rolls back), and so that no takeover can happen until this one commits.
    if (lease) await holdKey(tx, lease);
    const card = await insertCard(tx, {
      id: cardId,
      tenant_id: ctx.tenantId,
      mode: ctx.mode,
      cardholder_id: input.holderId,
      product_id: input.productId,
      currency: input.currency,
      load_amount: input.amountMinor,
      status: "creating",
      issuer_card_id: null,
      issuer_order_id: null,
      issuer_status: null,
      masked_number: null,
      failure_reason: null,
      upstream_key: deterministicUuid("card", cardId),
    });
    await post(
      tx,
      { tenantId: ctx.tenantId, mode: ctx.mode, currency: input.currency },
      {
        kind: "card_debit",
        amount: input.amountMinor,
        reference: cardLedgerReference.debit(cardId),
        cardId,
      },
    );
    if (lease) await advanceKey(tx, lease, "card_created", cardId);
    return card;
  });
}
