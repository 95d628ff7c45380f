import { expect } from "vitest";
import type { Db } from "../../src/db/pool.ts";
import { checkLedgerInvariants } from "../../src/modules/wallet/invariants.ts";
import type { TestCardrail } from "../fixtures/cardrail.ts";

/** The ledger's invariants hold (reconcile finds nothing). */
export async function expectLedgerBalanced(cardrail: TestCardrail) {
  expect(await checkLedgerInvariants(cardrail.runtime.database.db)).toEqual([]);
}

export async function walletMinor(cardrail: TestCardrail, tenantId: string): Promise<bigint> {
  const row = await cardrail.runtime.database.db
    .selectFrom("ledger_accounts")
    .select("balance")
    .where("tenant_id", "=", tenantId)
    .where("kind", "=", "wallet")
    .executeTakeFirst();
  return row?.balance ?? 0n;
}

/** How many upstream (simulator) cards carry each of our card ids: never more than one. */
export function upstreamCardsPerRef(cardrail: TestCardrail): Map<string, number> {
  const counts = new Map<string, number>();
  // Across every account: each tenant acts through a sub-account of its own.
  const accounts = cardrail.runtime.simulator?.ctx.accounts.all() ?? [];
  for (const card of accounts.flatMap((a) => [...a.cards.values()])) {
    const ref = String(card.metadata.cardrail_card_id ?? "");
    counts.set(ref, (counts.get(ref) ?? 0) + 1);
  }
  return counts;
}

/** Runs recovery until nothing is left creating/pending (bounded), as the background sweep would. */
export async function recoverUntilSettled(cardrail: TestCardrail, rounds = 100) {
  for (let i = 0; i < rounds; i++) {
    await cardrail.runtime.recoverOnce();
    const open = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select("id")
      .where("status", "in", ["creating", "pending"])
      .execute();
    if (open.length === 0) return;
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** Waits (bounded) until no card is creating or pending: the service processes' own sweeps settle them. */
export async function waitForSettledCards(db: Db, rounds = 300) {
  for (let i = 0; i < rounds; i++) {
    const open = await db
      .selectFrom("cards")
      .select("id")
      .where("status", "in", ["creating", "pending"])
      .execute();
    if (open.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
