import { type CoreSettings, requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError, validationError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { findHolder, getHolderStatus } from "../cardholders/service.ts";
import {
  advanceKey,
  answerForLostKey,
  claimKey,
  finishKey,
  holdKey,
  type KeyLease,
  KeyLostError,
  type KeyRef,
  releaseKey,
  unlockKey,
} from "../idempotency/keys.ts";
import { insufficientBalance } from "../wallet/insufficient.ts";
import { post } from "../wallet/ledger.ts";
import { callIssuer, type IssueOutcome, outcomeOf } from "./call-issuer.ts";
import type { CardView } from "./present.ts";
import type { CardRow } from "./row.ts";
import { cardLedgerReference } from "./settle.ts";

export interface IssueCardInput {
  holderId: string;
  productId: string;
  currency: string;
  amountMinor: bigint;
}

export interface IssueResult {
  card: CardView;
  replayed: boolean;
}

/**
 * Issues a virtual card, debiting the wallet first (recovery points: docs/adr/0003):
 *
 *  1. preconditions (product, currency, cardholder ACTIVE): refused before anything is recorded;
 *  2. claim the Idempotency-Key, then in ONE transaction: write the card as `creating`, debit the
 *     wallet (the CHECK refuses overdrafts under any concurrency), advance the key to card_created;
 *  3. call the issuer outside any transaction, with an upstream key derived from the card's id;
 *  4. record the answer: accepted → pending/active; refused → failed + refund (both final, stored
 *     as the key's outcome); unknown (timeout, 5xx, reset) → the card stays `creating`, the key is
 *     unlocked, and the caller gets 503. A retry with the key resumes at step 3 with the same
 *     upstream key; without a retry the recovery sweep does the same.
 *
 * Every write after the claim is fenced by the key's lease (keys.ts): a request that stalled past
 * its lease while another took the key over commits nothing, and answers the key's outcome as a
 * replay once the other request has finished, or 409 before.
 */
export async function issueCard(
  ctx: TenantContext,
  settings: Pick<CoreSettings, "idempotencyLockTimeoutMs" | "statusRefreshIntervalMs">,
  input: IssueCardInput,
  idempotencyKey?: string,
): Promise<IssueResult> {
  requireIssuer(ctx);
  if (!idempotencyKey) return issueOnce(ctx, settings, input, null, undefined);

  // The key first: a replay answers the first outcome even if the product or holder changed since.
  const ref: KeyRef = { tenantId: ctx.tenantId, mode: ctx.mode, key: idempotencyKey };
  const request = { path: "POST /cards", hash: requestHash(input) };
  const claim = await claimKey(ctx.db, ref, request, settings.idempotencyLockTimeoutMs);
  if (claim.state === "replay") {
    return { ...replay(claim.outcome as IssueOutcome, true), replayed: true };
  }
  try {
    const resumed =
      claim.state === "resume" && claim.recoveryPoint === "card_created" && claim.cardId
        ? await ctx.db
            .selectFrom("cards")
            .selectAll()
            .where("id", "=", claim.cardId)
            .executeTakeFirstOrThrow()
        : undefined;
    return await issueOnce(ctx, settings, input, claim.lease, resumed);
  } catch (error) {
    if (!(error instanceof KeyLostError)) throw error;
    ctx.log.warn(
      "idempotency key taken over while its request ran; this request committed nothing",
    );
    const { outcome } = await answerForLostKey(ctx.db, ref, request);
    return { ...replay(outcome as IssueOutcome, true), replayed: true };
  } finally {
    claim.lease.stop();
  }
}

/** Steps 1-4 for one request; `lease` (with an Idempotency-Key) fences every write, `resumed` is its debited card. */
async function issueOnce(
  ctx: TenantContext,
  settings: Pick<CoreSettings, "statusRefreshIntervalMs">,
  input: IssueCardInput,
  lease: KeyLease | null,
  resumed: CardRow | undefined,
): Promise<IssueResult> {
  let card = resumed;
  let issuerProductId: string;
  let knownHolder: { issuer_cardholder_id: string | null } | undefined;
  try {
    if (card) {
      // Resuming a debited card: its product was checked when it was debited.
      issuerProductId = await issuerProductOf(ctx, card.product_id);
    } else {
      const checked = await checkPreconditions(ctx, settings, input);
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
    }
  } catch (error) {
    // Nothing was recorded or debited: forget the key so a retry (after funding, say) runs afresh.
    if (lease && !card && !(error instanceof KeyLostError)) await releaseKey(ctx.db, lease);
    throw error;
  }

  // A key lost while waiting (say, on a status refresh) is not worth an issuer call.
  if (lease?.lost) throw new KeyLostError(lease.ref);
  // A resumed request whose card was meanwhile settled (by the recovery sweep) answers from the record.
  const outcome =
    card.status === "creating"
      ? await callIssuer(ctx, card, issuerProductId, { known: knownHolder, lease })
      : outcomeOf(card);
  if (outcome === "unknown") {
    if (lease) await unlockKey(ctx.db, lease);
    throw new CardrailError(
      "upstream_unavailable",
      "The card issuer did not confirm the card in time. The amount is held, not lost: retry with the same Idempotency-Key, or check the card, which ends active or refunded.",
      { cardId: card.id, status: "creating" },
      2,
    );
  }
  // An error is stored with the requestId it is answered with, so its replay repeats that too.
  if (lease) {
    await finishKey(
      ctx.db,
      lease,
      "error" in outcome ? { ...outcome, requestId: ctx.requestId } : outcome,
    );
  }
  return { ...replay(outcome, false), replayed: false };
}

function replay(outcome: IssueOutcome, replayed: boolean): { card: CardView } {
  if ("error" in outcome) {
    const error = new CardrailError(
      outcome.error.code,
      outcome.error.message,
      outcome.error.details,
    );
    error.replayed = replayed;
    if (replayed) error.originalRequestId = outcome.requestId;
    throw error;
  }
  return { card: outcome.ok };
}

async function issuerProductOf(ctx: TenantContext, productId: string): Promise<string> {
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

async function checkPreconditions(
  ctx: TenantContext,
  settings: Pick<CoreSettings, "statusRefreshIntervalMs">,
  input: IssueCardInput,
) {
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
  const holder = await findHolder(ctx, input.holderId);
  // A tenant that did not poll still gets its card once the issuer has approved the holder.
  const status =
    holder.status === "IN_REVIEW"
      ? (await getHolderStatus(ctx, settings, holder.id)).status
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
  return ctx.db.transaction().execute(async (tx) => {
    // First, so that a request that lost its key writes no card and debits nothing (the whole
    // transaction rolls back), and so that no takeover can happen until this one commits.
    if (lease) await holdKey(tx, lease);
    const card = await tx
      .insertInto("cards")
      .values({
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
      })
      .returningAll()
      .executeTakeFirstOrThrow();
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
