import type { Log } from "../../core/context.ts";
import type { Db } from "../../db/pool.ts";
import { IssuerError, type IssuerFor } from "../../issuer/port.ts";
import { cardsKnownToIssuer, cardsUnsettledSince } from "../cards/repo.ts";
import { moneyState } from "../cards/settle.ts";
import { spentByCard } from "../transactions/repo.ts";
import { cardLedgerTotals } from "../wallet/card-totals.ts";
import { checkLedgerInvariants, type InvariantViolation } from "../wallet/invariants.ts";
import { cardsLoadedBalances } from "../wallet/ledger.ts";
import { chainName, type JournalProblem, verifyJournal } from "./witness.ts";
import { raiseMarks, readMarks } from "./witness-file.ts";

/**
 * Reconciliation: every ledger invariant, the ledger against its journal (the witness a local
 * database user cannot forge: witness.ts), then every issued card against the issuer. It reports;
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
  /** Postings inserted, altered or deleted behind the ledger's back, per its journal. */
  journal: JournalProblem[];
  journalEntries: number;
  /** The high-water marks outside the database: where they are and since when they watch. */
  witness: { file: string | null; since: string | null; chains: number };
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
  /**
   * Where the journal's high-water marks live (witness-file.ts), outside the database; null keeps
   * none (then a removed tail of the journal cannot be seen).
   */
  witnessFile: string | null;
  now?: () => Date;
  onProgress?: (done: number, total: number) => void;
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const now = deps.now ?? (() => new Date());
  const ledger = await checkLedgerInvariants(deps.db);
  const marks = deps.witnessFile ? await readMarks(deps.witnessFile) : null;
  const journal = await verifyJournal(deps.db, marks);
  const witness = deps.witnessFile
    ? await raiseMarks(deps.witnessFile, journal.cleanHeads, now())
    : null;
  const cards: CardMismatch[] = [];
  let cardsChecked = 0;
  let cardsSkipped = 0;

  const stuck = await cardsUnsettledSince(deps.db, deps.stuckAfterMs);
  for (const card of stuck) {
    cards.push({
      cardId: card.id,
      tenantId: card.tenant_id,
      mode: card.mode,
      problem: `still ${card.status} since ${new Date(card.created_at).toISOString()}`,
    });
  }

  const issued = await cardsKnownToIssuer(deps.db);
  // What the issuer holds on the cards we count as loaded, per book, against our cards_loaded
  // balance; a book with a card not compared (issuer unreachable) is left out.
  const totals = await cardLedgerTotals(deps.db);
  const spending = await spentByCard(deps.db);
  const atIssuer = new Map<string, bigint>();
  const incomparable = new Set<string>();
  let done = 0;
  for (const card of issued) {
    deps.onProgress?.(done++, issued.length);
    const issuer = deps.issuerFor(card.mode, card.tenant_id);
    const book = chainName({ tenantId: card.tenant_id, mode: card.mode, currency: card.currency });
    if (!issuer || !card.issuer_card_id) {
      incomparable.add(book);
      cardsSkipped++;
      continue;
    }
    const mismatch = (problem: string) =>
      cards.push({ cardId: card.id, tenantId: card.tenant_id, mode: card.mode, problem });
    try {
      const upstream = await issuer.getCard(card.issuer_card_id);
      cardsChecked++;
      const ours = moneyState(card.status);
      // What the ledger says is on the card: loaded and topped up, less withdrawn and returned.
      const ledger = totals.get(card.id) ?? { loaded: 0n, withdrawn: 0n, returned: 0n };
      const onCard = ledger.loaded - ledger.withdrawn;
      const cancelled = card.status === "cancelled";
      if (ours === "loaded") {
        // A cancelled card's limit is the issuer's history; its money is what we have not returned.
        const counted = cancelled ? onCard - ledger.returned : upstream.limitMinor;
        atIssuer.set(book, (atIssuer.get(book) ?? 0n) + counted);
      }
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
      } else if (ours === "loaded" && !cancelled && upstream.limitMinor !== onCard) {
        mismatch(
          `loaded ${onCard} here (issuance and top-ups less withdrawals), card limit ${upstream.limitMinor} at the issuer (minor units)`,
        );
      } else if (cancelled && card.balance_returned_at) {
        // What stayed on a cancelled card after its return is what it spent: its transactions say.
        const residual = onCard - ledger.returned;
        const spent = spending.get(card.id) ?? 0n;
        if (residual !== spent) {
          mismatch(
            `cancelled: ${residual} stayed on the card here after its return, but its transactions spent ${spent} (minor units)`,
          );
        }
      } else if (ours === "loaded" && !cancelled && upstream.availableMinor > onCard) {
        mismatch(
          `the issuer says the card can spend ${upstream.availableMinor}, more than the ${onCard - ledger.returned} on it here (minor units): money we do not count`,
        );
      }
    } catch (error) {
      if (error instanceof IssuerError && error.kind === "not_found") {
        if (moneyState(card.status) !== "refunded") mismatch("the issuer does not know this card");
        cardsChecked++;
      } else {
        incomparable.add(book);
        cardsSkipped++;
        deps.log.warn(
          { err: error, cardId: card.id },
          "reconcile could not fetch the card from the issuer",
        );
      }
    }
  }
  deps.onProgress?.(issued.length, issued.length);
  const loadedAccounts = await cardsLoadedBalances(deps.db);
  for (const account of loadedAccounts) {
    const book = chainName({
      tenantId: account.tenant_id,
      mode: account.mode,
      currency: account.currency,
    });
    const theirs = atIssuer.get(book) ?? 0n;
    if (!incomparable.has(book) && theirs !== account.balance)
      cards.push({
        cardId: "(all cards)",
        tenantId: account.tenant_id,
        mode: account.mode,
        problem: `${account.currency} loaded on cards: ${account.balance} here, ${theirs} at the issuer (minor units)`,
      });
  }
  return {
    ok: ledger.length === 0 && journal.problems.length === 0 && cards.length === 0,
    checkedAt: now().toISOString(),
    ledger,
    journal: journal.problems,
    journalEntries: journal.entries,
    witness: {
      file: deps.witnessFile,
      since: witness?.since ?? null,
      chains: Object.keys(witness?.chains ?? {}).length,
    },
    cards,
    cardsChecked,
    cardsSkipped,
  };
}
