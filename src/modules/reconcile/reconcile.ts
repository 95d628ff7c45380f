import { sql } from "kysely";
import type { Log } from "../../core/context.ts";
import type { Db } from "../../db/pool.ts";
import type { IssuerFor } from "../../issuer/issuers.ts";
import { IssuerError } from "../../issuer/port.ts";
import { moneyState } from "../cards/settle.ts";
import { checkLedgerInvariants, type InvariantViolation } from "../wallet/invariants.ts";

/**
 * Reconciliation: every ledger invariant, then every issued card against the issuer. It reports;
 * it never moves money. A mismatch is a question for a human (or for a later, explicit
 * correction entry), because the code cannot know which side is right.
 */

export interface CardMismatch {
  cardId: string;
  tenantId: string;
  mode: string;
  problem: string;
}

export interface ReconcileReport {
  ok: boolean;
  checkedAt: string;
  ledger: InvariantViolation[];
  cards: CardMismatch[];
  cardsChecked: number;
  /** Cards that could not be compared (issuer unreachable or not configured for their mode). */
  cardsSkipped: number;
}

export interface ReconcileDeps {
  db: Db;
  issuerFor: IssuerFor;
  log: Log;
  /** A card still creating/pending after this long is reported as stuck. */
  stuckAfterMs: number;
  onProgress?: (done: number, total: number) => void;
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const ledger = await checkLedgerInvariants(deps.db);
  const cards: CardMismatch[] = [];
  let cardsChecked = 0;
  let cardsSkipped = 0;

  const stuck = await deps.db
    .selectFrom("cards")
    .select(["id", "tenant_id", "mode", "status", "created_at"])
    .where("status", "in", ["creating", "pending"])
    .where("created_at", "<", sql<Date>`now() - make_interval(secs => ${deps.stuckAfterMs / 1000})`)
    .execute();
  for (const card of stuck) {
    cards.push({
      cardId: card.id,
      tenantId: card.tenant_id,
      mode: card.mode,
      problem: `still ${card.status} since ${new Date(card.created_at).toISOString()}`,
    });
  }

  const issued = await deps.db
    .selectFrom("cards")
    .select(["id", "tenant_id", "mode", "status", "currency", "load_amount", "issuer_card_id"])
    .where("issuer_card_id", "is not", null)
    .orderBy("id")
    .execute();
  let done = 0;
  for (const card of issued) {
    deps.onProgress?.(done++, issued.length);
    const issuer = deps.issuerFor(card.mode, card.tenant_id);
    if (!issuer || !card.issuer_card_id) {
      cardsSkipped++;
      continue;
    }
    const mismatch = (problem: string) =>
      cards.push({ cardId: card.id, tenantId: card.tenant_id, mode: card.mode, problem });
    try {
      const upstream = await issuer.getCard(card.issuer_card_id);
      cardsChecked++;
      const ours = moneyState(card.status);
      const theirs =
        upstream.status === "FAILED"
          ? "refunded"
          : upstream.status === "PENDING"
            ? "unsettled"
            : "loaded";
      if (ours === "loaded" && theirs === "refunded") {
        mismatch(
          "we count it loaded but the issuer says FAILED: the tenant was charged for no card",
        );
      } else if (ours === "refunded" && theirs === "loaded") {
        mismatch(
          `we refunded it but the issuer has it ${upstream.status}: money exists on a card we do not count`,
        );
      } else if (ours === "loaded" && upstream.currency !== card.currency) {
        mismatch(`currency ${card.currency} here, ${upstream.currency} at the issuer`);
      } else if (ours === "loaded" && upstream.limitMinor !== card.load_amount) {
        mismatch(
          `loaded ${card.load_amount} here, card limit ${upstream.limitMinor} at the issuer (minor units)`,
        );
      }
    } catch (error) {
      if (error instanceof IssuerError && error.kind === "not_found") {
        if (moneyState(card.status) !== "refunded") mismatch("the issuer does not know this card");
        cardsChecked++;
      } else {
        cardsSkipped++;
        deps.log.warn(
          { err: error, cardId: card.id },
          "reconcile could not fetch the card from the issuer",
        );
      }
    }
  }
  deps.onProgress?.(issued.length, issued.length);
  return {
    ok: ledger.length === 0 && cards.length === 0,
    checkedAt: new Date().toISOString(),
    ledger,
    cards,
    cardsChecked,
    cardsSkipped,
  };
}
