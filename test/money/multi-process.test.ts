import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyJournal } from "../../src/modules/reconcile/witness.ts";
import { checkLedgerInvariants } from "../../src/modules/wallet/invariants.ts";
import { type SharedWorld, startSharedWorld } from "../fixtures/external.ts";
import { createHolder, waitForStatus } from "../fixtures/flows.ts";
import { type ServiceProcess, startServiceProcess } from "../fixtures/processes.ts";
import { waitForSettledCards } from "./helpers.ts";

/**
 * Two API processes on one PostgreSQL database (always real PostgreSQL: lock contention is the
 * point), 1,000 concurrent POST /cards against a wallet funded for 500. The wallet's guarantees
 * live in the database, so it does not matter which process serves which request.
 */

let world: SharedWorld;
let processes: ServiceProcess[] = [];

beforeAll(async () => {
  world = await startSharedWorld({
    RECOVERY_AFTER_MS: "500",
    RECOVERY_INTERVAL_MS: "250",
    DATABASE_POOL_SIZE: "20",
  });
  processes = await Promise.all([startServiceProcess(world.env), startServiceProcess(world.env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await world?.close();
});

describe("two API processes, one wallet", () => {
  it("1,000 concurrent POST /cards against a wallet funded for 500: exactly 500 cards, balance 0, ledger balanced", async () => {
    const [a, b] = processes;
    if (!a || !b) throw new Error("processes did not start");
    let turn = 0;
    const tenant = await world.tenant(500, () => (turn++ % 2 === 0 ? a.url : b.url));
    const holderId = await createHolder(tenant);
    expect(await waitForStatus(tenant, holderId)).toBe("ACTIVE");

    const body = JSON.stringify({
      holderId,
      cardType: "virtual",
      card_product_id: "111031",
      currency: "USD",
      loadAmount: 1,
    });
    const results = await Promise.all(
      Array.from({ length: 1000 }, () =>
        tenant.api("/api/v1/cards", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }),
      ),
    );
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    // Every request was either paid for (201, or 503 while the issuer was slow: debited, held) or refused.
    expect(
      [...byStatus.keys()].every((s) => s === 201 || s === 402 || s === 503),
      JSON.stringify([...byStatus]),
    ).toBe(true);
    expect(byStatus.get(402)).toBe(500);

    const db = world.database.db;
    const wallet = await db
      .selectFrom("ledger_accounts")
      .select("balance")
      .where("tenant_id", "=", tenant.tenantId)
      .where("kind", "=", "wallet")
      .executeTakeFirstOrThrow();
    expect(wallet.balance).toBe(0n);

    // The processes' own recovery sweeps settle whatever is still open.
    await waitForSettledCards(db, 200);
    const cards = await db
      .selectFrom("cards")
      .select("status")
      .where("tenant_id", "=", tenant.tenantId)
      .execute();
    expect(cards).toHaveLength(500);
    expect(cards.filter((c) => c.status === "active")).toHaveLength(500);
    expect(await checkLedgerInvariants(db)).toEqual([]);
    // Both processes appended to one journal chain, each posting signed in its own transaction.
    const journal = await verifyJournal(db, null);
    expect(journal.problems).toEqual([]);
    expect(journal.entries).toBeGreaterThanOrEqual(1001); // the funding, 500 debits, 500 loads

    const upstream = world.simulator.ctx.accounts
      .all()
      .flatMap((account) => [...account.cards.values()]);
    expect(upstream).toHaveLength(500);
    expect(new Set(upstream.map((c) => c.metadata.cardrail_card_id)).size).toBe(500);
  }, 180_000);

  it("debits and refunds racing on one wallet never deadlock: every answer is 201 or 502, the ledger balances", async () => {
    const [a, b] = processes;
    if (!a || !b) throw new Error("processes did not start");
    let turn = 0;
    const tenant = await world.tenant(1000, () => (turn++ % 2 === 0 ? a.url : b.url));
    const good = await createHolder(tenant);
    const refused = await createHolder(tenant);
    expect(await waitForStatus(tenant, good)).toBe("ACTIVE");
    expect(await waitForStatus(tenant, refused)).toBe("ACTIVE");
    // The issuer withdraws its approval of one holder: its cards are refused (refunds) while the
    // other holder's cards are issued (debits), all at once on the same wallet.
    const row = await world.database.db
      .selectFrom("cardholders")
      .select("issuer_cardholder_id")
      .where("id", "=", refused)
      .executeTakeFirstOrThrow();
    await world.simAdmin(`/__sim/cardholders/${row.issuer_cardholder_id}/kyc`, "POST", {
      status: "FAILED",
    });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        tenant.api("/api/v1/cards", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            holderId: i % 2 === 0 ? good : refused,
            cardType: "virtual",
            card_product_id: "111031",
            currency: "USD",
            loadAmount: 1,
          }),
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(
      statuses.filter((s) => s >= 500 && s !== 502 && s !== 503),
      JSON.stringify(results.find((r) => r.status === 500)?.body),
    ).toEqual([]);
    expect(statuses.filter((s) => s === 502)).toHaveLength(150);
    await waitForSettledCards(world.database.db, 200);
    expect(await checkLedgerInvariants(world.database.db)).toEqual([]);
    expect((await verifyJournal(world.database.db, null)).problems).toEqual([]);
    const wallet = await world.database.db
      .selectFrom("ledger_accounts")
      .select("balance")
      .where("tenant_id", "=", tenant.tenantId)
      .where("kind", "=", "wallet")
      .executeTakeFirstOrThrow();
    expect(wallet.balance).toBe(100_000n - 15_000n);
  }, 180_000);
});
