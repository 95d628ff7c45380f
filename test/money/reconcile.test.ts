import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcile } from "../../src/modules/reconcile/reconcile.ts";
import { startCardrail, type TestCardrail } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { recoverUntilSettled } from "./helpers.ts";

let cardrail: TestCardrail;

beforeAll(async () => {
  cardrail = await startCardrail({ RECOVERY_AFTER_MS: "0" });
});
afterAll(() => cardrail?.close());

const run = () =>
  reconcile({
    db: cardrail.runtime.database.db,
    issuerFor: cardrail.runtime.issuerFor,
    log: { error() {}, warn() {}, info() {}, debug() {} },
    stuckAfterMs: 60_000,
    witnessFile: null,
  });

describe("reconciliation reports and never fixes", () => {
  it("is clean after normal issuance, comparing every issued card with the issuer", async () => {
    const tenant = await cardrail.tenant({ fund: 100 });
    const holderId = await activeHolder(tenant);
    for (const amount of [5, 7.25, 12])
      expect((await issueCard(tenant, { holderId, loadAmount: amount })).status).toBe(201);
    await recoverUntilSettled(cardrail);
    const report = await run();
    expect(report).toMatchObject({
      ok: true,
      ledger: [],
      cards: [],
      cardsChecked: 3,
      cardsSkipped: 0,
    });
  });

  it("reports a card the issuer failed while we count it loaded, and leaves the money alone", async () => {
    const card = await cardrail.runtime.database.db
      .selectFrom("cards")
      .selectAll()
      .where("status", "=", "active")
      .executeTakeFirstOrThrow();
    const upstream = cardrail.runtime.simulator?.ctx.accounts
      .all()
      .find((a) => a.cards.has(card.issuer_card_id ?? ""))
      ?.cards.get(card.issuer_card_id ?? "");
    expect(upstream).toBeDefined();
    if (upstream) upstream.card_status = "FAILED";
    const balancesBefore = await cardrail.runtime.database.db
      .selectFrom("ledger_accounts")
      .select(["id", "balance"])
      .orderBy("id")
      .execute();

    const report = await run();
    expect(report.ok).toBe(false);
    expect(report.cards).toEqual([
      expect.objectContaining({ cardId: card.id, problem: expect.stringContaining("FAILED") }),
    ]);
    const balancesAfter = await cardrail.runtime.database.db
      .selectFrom("ledger_accounts")
      .select(["id", "balance"])
      .orderBy("id")
      .execute();
    expect(balancesAfter).toEqual(balancesBefore);
    const still = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select("status")
      .where("id", "=", card.id)
      .executeTakeFirstOrThrow();
    expect(still.status).toBe("active");
    if (upstream) upstream.card_status = "ACTIVE";
  });

  it("reports a balance that moved without ledger entries", async () => {
    const wallet = await cardrail.runtime.database.db
      .selectFrom("ledger_accounts")
      .select("id")
      .where("kind", "=", "wallet")
      .executeTakeFirstOrThrow();
    await sql`UPDATE ledger_accounts SET balance = balance + 1 WHERE id = ${wallet.id}`.execute(
      cardrail.runtime.database.db,
    );
    const report = await run();
    expect(report.ledger.map((v) => v.invariant)).toEqual(
      expect.arrayContaining([
        "account balance equals the sum of its postings",
        "funding - debits + refunds = wallet balance",
      ]),
    );
    expect(report.ledger.every((v) => v.subject === wallet.id)).toBe(true);
    await sql`UPDATE ledger_accounts SET balance = balance - 1 WHERE id = ${wallet.id}`.execute(
      cardrail.runtime.database.db,
    );
    expect((await run()).ok).toBe(true);
  });

  it("ledger entries cannot be edited or deleted", async () => {
    const db = cardrail.runtime.database.db;
    await expect(sql`UPDATE ledger_postings SET amount = amount * 2`.execute(db)).rejects.toThrow(
      /immutable/,
    );
    await expect(sql`DELETE FROM ledger_transactions`.execute(db)).rejects.toThrow(/immutable/);
  });
});
