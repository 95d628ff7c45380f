import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../../test/fixtures/database.ts";
import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { type OpenDatabase, openDatabase } from "../../open-database.ts";
import { verifyJournal } from "../reconcile/witness.ts";
import { checkLedgerInvariants } from "./invariants.ts";
import { type Book, post } from "./ledger.ts";

/**
 * Ledger arithmetic as a property: any sequence of fundings, card debits, loads, refunds and
 * replayed references leaves every balance equal to a plain model of the same sequence, the
 * wallet never below zero (an overdraft is refused and leaves no trace), and every invariant
 * reconciliation checks intact.
 */

let database: OpenDatabase;
let drop: () => Promise<void>;

beforeAll(async () => {
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  database = await openDatabase(
    {
      DATABASE_URL: fresh.url,
      DATABASE_POOL_SIZE: 4,
      CARDRAIL_DATA_DIR: "unused",
      LEDGER_JOURNAL_KEY: randomBytes(32).toString("base64"),
    },
    { inMemory: !fresh.url },
  );
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

type Op =
  | { kind: "fund"; amount: number }
  | { kind: "debit"; card: number; amount: number }
  | { kind: "settle"; card: number; outcome: "loaded" | "refund" }
  | { kind: "replay"; index: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("fund" as const), amount: fc.integer({ min: 1, max: 50_000 }) }),
  fc.record({
    kind: fc.constant("debit" as const),
    card: fc.nat(7),
    amount: fc.integer({ min: 1, max: 40_000 }),
  }),
  fc.record({
    kind: fc.constant("settle" as const),
    card: fc.nat(7),
    outcome: fc.constantFrom("loaded" as const, "refund" as const),
  }),
  fc.record({ kind: fc.constant("replay" as const), index: fc.nat(30) }),
);

describe("ledger arithmetic", () => {
  it("matches a plain model for any sequence of movements, and never overdraws", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const db = database.db;
        const tenantId = newId("ten");
        await db.insertInto("tenants").values({ id: tenantId, name: "prop" }).execute();
        const book: Book = { tenantId, mode: "test", currency: "USD" };
        const model = { wallet: 0n, inFlight: 0n, loaded: 0n, funding: 0n };
        const cards = new Map<number, { amount: bigint; settled: boolean; id: string }>();
        const done: {
          kind: "funding" | "card_debit" | "card_loaded" | "card_refund";
          amount: bigint;
          reference: string;
          cardId?: string;
        }[] = [];

        for (const [i, o] of ops.entries()) {
          let movement: (typeof done)[number] | null = null;
          if (o.kind === "fund")
            movement = {
              kind: "funding",
              amount: BigInt(o.amount),
              reference: `p:${tenantId}:f${i}`,
            };
          if (o.kind === "debit" && !cards.has(o.card)) {
            const id = `card_${tenantId}_${o.card}`;
            movement = {
              kind: "card_debit",
              amount: BigInt(o.amount),
              reference: `p:${id}:debit`,
              cardId: id,
            };
          }
          if (o.kind === "settle") {
            const card = cards.get(o.card);
            if (card && !card.settled) {
              const kind = o.outcome === "loaded" ? "card_loaded" : "card_refund";
              movement = {
                kind,
                amount: card.amount,
                reference: `p:${card.id}:${o.outcome}`,
                cardId: card.id,
              };
            }
          }
          if (o.kind === "replay" && done.length > 0)
            movement = done[o.index % done.length] ?? null;
          if (!movement) continue;

          const isReplay = done.some((d) => d.reference === movement.reference);
          const m = movement;
          let posted = false;
          try {
            posted = await db.transaction().execute((tx) => post(tx, book, m));
          } catch (error) {
            expect(error).toBeInstanceOf(CardrailError);
            expect((error as CardrailError).code).toBe("insufficient_balance");
            expect(m.kind).toBe("card_debit");
            expect(m.amount > model.wallet).toBe(true);
            continue;
          }
          expect(posted).toBe(!isReplay);
          if (!posted) continue;
          done.push(m);
          if (m.kind === "funding") {
            model.funding -= m.amount;
            model.wallet += m.amount;
          } else if (m.kind === "card_debit") {
            model.wallet -= m.amount;
            model.inFlight += m.amount;
            cards.set(Number(m.cardId?.split("_").pop()), {
              amount: m.amount,
              settled: false,
              id: m.cardId ?? "",
            });
          } else {
            model.inFlight -= m.amount;
            if (m.kind === "card_loaded") model.loaded += m.amount;
            else model.wallet += m.amount;
            for (const card of cards.values()) if (card.id === m.cardId) card.settled = true;
          }
        }

        const rows = await db
          .selectFrom("ledger_accounts")
          .select(["kind", "balance"])
          .where("tenant_id", "=", tenantId)
          .execute();
        const balance = (kind: string) => rows.find((r) => r.kind === kind)?.balance ?? 0n;
        expect(balance("wallet")).toBe(model.wallet);
        expect(balance("cards_in_flight")).toBe(model.inFlight);
        expect(balance("cards_loaded")).toBe(model.loaded);
        expect(balance("funding")).toBe(model.funding);
        expect(model.wallet >= 0n).toBe(true);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 40) },
    );
    // Card rows do not exist for these synthetic cards, so only the pure ledger invariants apply.
    const violations = (await checkLedgerInvariants(database.db)).filter(
      (v) => v.invariant !== "every card debit belongs to a card",
    );
    expect(violations).toEqual([]);
    // And the journal witnessed every posting, replays and refused debits leaving no entry.
    expect((await verifyJournal(database.db, null)).problems).toEqual([]);
  });
});
