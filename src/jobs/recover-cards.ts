import { type CoreDeps, contextFor, type Log } from "../core/context.ts";
import { callIssuer } from "../modules/cards/call-issuer.ts";
import { issuerProductOf } from "../modules/cards/issue.ts";
import { claimUnsettledCards } from "../modules/cards/repo.ts";
import { refreshCard } from "../modules/cards/settle.ts";
import { KeyLostError, takeKeyOf, unlockKey } from "../modules/idempotency/keys.ts";

/** The sweep takes a card's Idempotency-Key (as a request would) for the idempotencyLockTimeoutMs setting. */
export interface RecoveryDeps extends CoreDeps {
  log: Log;
  /** Only cards untouched for this long: younger ones may still have their request in flight. */
  olderThanMs: number;
  batchSize?: number;
}

export interface RecoveryReport {
  examined: number;
  settled: number;
  stillOpen: number;
}

/**
 * Resolves cards left `creating` (issuer outcome unknown) or `pending` (order still processing):
 * `creating` ones are re-sent with their original upstream idempotency key, which makes the issuer
 * replay its first answer instead of creating a second card; `pending` ones are retrieved. Either
 * way the card ends loaded or refunded through settle.ts. Cards are claimed with SKIP LOCKED and
 * their `updated_at` is bumped, so concurrent sweeps in several processes share the work.
 *
 * A card debited under an Idempotency-Key that has not finished is resolved by whoever holds the
 * key: a card whose key is leased by a live request is left alone, and for the others the sweep
 * takes the key over itself (a new fencing token, renewed while it works) and settles the card
 * under that fence, so a request that stalled past its lease cannot settle it concurrently and a
 * retry waits (409) until the sweep lets the key go.
 */
export async function recoverCards(deps: RecoveryDeps): Promise<RecoveryReport> {
  const claimed = await claimUnsettledCards(deps.db, deps.olderThanMs, deps.batchSize ?? 100);

  let settled = 0;
  for (const card of claimed) {
    const ctx = contextFor(deps, {
      tenantId: card.tenant_id,
      mode: card.mode,
      actor: { kind: "service", component: "recovery" },
      log: deps.log,
    });
    if (!ctx.issuer) continue;
    const key = await takeKeyOf(
      deps.db,
      { cardId: card.id },
      deps.settings.idempotencyLockTimeoutMs,
    );
    // A request took the key between the claim above and now: it resolves the card itself.
    if (key.state === "held") continue;
    const lease = key.state === "taken" ? key.lease : null;
    try {
      let status: string;
      if (card.status === "creating") {
        const outcome = await callIssuer(ctx, card, await issuerProductOf(ctx, card.product_id), {
          lease,
        });
        status =
          outcome === "unknown" ? "creating" : "ok" in outcome ? outcome.ok.status : "failed";
      } else {
        status = (await refreshCard(ctx, card, lease)).status;
      }
      if (status !== "creating" && status !== "pending") settled++;
    } catch (error) {
      if (error instanceof KeyLostError)
        deps.log.info({ cardId: card.id }, "a request took the card's key over; left to it");
      else
        deps.log.warn(
          { err: error, cardId: card.id },
          "recovery could not resolve the card this time",
        );
    } finally {
      // The next request with the key resumes from the card as settled here. If letting go
      // fails (the key was taken over, or the database is away), the lease runs out by itself.
      if (lease) await unlockKey(deps.db, lease).catch(() => {});
    }
  }
  return { examined: claimed.length, settled, stillOpen: claimed.length - settled };
}
