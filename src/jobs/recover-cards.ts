import { sql } from "kysely";
import type { Log } from "../core/context.ts";
import type { Db } from "../db/pool.ts";
import type { IssuerFor } from "../issuer/issuers.ts";
import { callIssuer } from "../modules/cards/issue.ts";
import { refreshCard } from "../modules/cards/settle.ts";

export interface RecoveryDeps {
  db: Db;
  issuerFor: IssuerFor;
  log: Log;
  /** Only cards untouched for this long: younger ones may still have their request in flight. */
  olderThanMs: number;
  /** A card whose Idempotency-Key was locked more recently than this is being worked on by a request. */
  lockTimeoutMs: number;
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
 */
export async function recoverCards(deps: RecoveryDeps): Promise<RecoveryReport> {
  const claimed = await deps.db.transaction().execute(async (tx) => {
    const ids = await tx
      .selectFrom("cards")
      .select("id")
      .where("status", "in", ["creating", "pending"])
      .where(
        "updated_at",
        "<",
        sql<Date>`now() - make_interval(secs => ${deps.olderThanMs / 1000})`,
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("idempotency_keys")
              .select(sql`1`.as("one"))
              .whereRef("idempotency_keys.card_id", "=", "cards.id")
              .where(
                "idempotency_keys.locked_at",
                ">",
                sql<Date>`now() - make_interval(secs => ${deps.lockTimeoutMs / 1000})`,
              ),
          ),
        ),
      )
      .orderBy("updated_at")
      .limit(deps.batchSize ?? 100)
      .forUpdate()
      .skipLocked()
      .execute();
    if (ids.length === 0) return [];
    return tx
      .updateTable("cards")
      .set({ updated_at: sql<Date>`now()` })
      .where(
        "id",
        "in",
        ids.map((r) => r.id),
      )
      .returningAll()
      .execute();
  });

  let settled = 0;
  for (const card of claimed) {
    const issuer = deps.issuerFor(card.mode, card.tenant_id);
    if (!issuer) continue;
    const ctx = {
      db: deps.db,
      tenantId: card.tenant_id,
      mode: card.mode,
      issuer,
      log: deps.log,
      now: () => new Date(),
    };
    try {
      let status: string;
      if (card.status === "creating") {
        const product = await deps.db
          .selectFrom("card_products")
          .select("issuer_product_id")
          .where("mode", "=", card.mode)
          .where("id", "=", card.product_id)
          .executeTakeFirstOrThrow();
        const outcome = await callIssuer(ctx, card, product.issuer_product_id);
        status =
          outcome === "unknown" ? "creating" : "ok" in outcome ? outcome.ok.status : "failed";
      } else {
        status = (await refreshCard(ctx, card)).status;
      }
      if (status !== "creating" && status !== "pending") settled++;
    } catch (error) {
      deps.log.warn(
        { err: error, cardId: card.id },
        "recovery could not resolve the card this time",
      );
    }
  }
  return { examined: claimed.length, settled, stillOpen: claimed.length - settled };
}
