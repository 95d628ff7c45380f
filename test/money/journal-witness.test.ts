import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.ts";
import { JournalSigner, journalSignerOf } from "../../src/db/journal-signer.ts";
import type { Tx } from "../../src/db/pool.ts";
import { reconcile } from "../../src/modules/reconcile/reconcile.ts";
import { createTenant } from "../../src/modules/tenants/tenants.ts";
import { fundWallet } from "../../src/modules/wallet/funding.ts";
import { prepareJournal } from "../../src/modules/wallet/journal.ts";
import { ensureAccounts } from "../../src/modules/wallet/ledger.ts";
import { type ServiceForCli, startServiceForCli } from "../support/cli.ts";

/**
 * Attacks on the ledger made as a local user with only database access makes
 * them: raw SQL as the database superuser, triggers switched off where they would stop the edit,
 * balances adjusted as the triggers would. The ledger's own invariants pass every one of them;
 * the journal (signed with a key the database does not hold) and its high-water marks outside the
 * database report each. Every attack is then undone, and reconcile is clean again.
 */

let service: ServiceForCli;
let witnessFile: string;

beforeAll(async () => {
  service = await startServiceForCli("cardrail-witness-");
  witnessFile = join(service.dataDir, "data", "ledger-witness.json");
}, 60_000);
afterAll(() => service?.close());

const db = () => service.runtime.database.db;
const run = (file: string | null = witnessFile) =>
  reconcile({
    db: db(),
    issuerFor: service.runtime.issuerFor,
    log: { error() {}, warn() {}, info() {}, debug() {} },
    stuckAfterMs: 600_000,
    witnessFile: file,
  });

/** A superuser's edit with every trigger off (immutability, balance application): what `psql -U postgres` can do. */
const asAttacker = (edit: (tx: Tx) => Promise<void>) =>
  db()
    .transaction()
    .execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await edit(tx);
    });

async function fundedTenant(minor: bigint) {
  const tenant = await createTenant(db(), service.runtime.hashKey, "Witness Tenant", "test");
  const book = { tenantId: tenant.tenantId, mode: "test" as const, currency: "USD" };
  const { reference } = await fundWallet(db(), { ...book, amountMinor: minor });
  const accounts = await ensureAccounts(db(), book);
  const funding = await db()
    .selectFrom("ledger_transactions")
    .selectAll()
    .where("reference", "=", reference)
    .executeTakeFirstOrThrow();
  return { ...tenant, book, accounts, funding };
}

const walletBalance = async (id: string) =>
  (
    await db()
      .selectFrom("ledger_accounts")
      .select("balance")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).balance;

describe("reconcile's independent witness", () => {
  it("is clean after normal postings, and records its high-water marks outside the database", async () => {
    await fundedTenant(99n);
    const report = await run();
    expect(report.journal).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.journalEntries).toBeGreaterThan(0);
    expect(report.witness).toMatchObject({ file: witnessFile, chains: expect.any(Number) });
    expect(report.witness.chains).toBeGreaterThan(0);
  });

  it("reports a balanced funding pair inserted directly in the database (wallet 0.99 → 1,000,000.99), through the CLI with exit 3", async () => {
    const t = await fundedTenant(99n);
    const id = newId("ltx");
    // Triggers on: the balance trigger credits the wallet exactly as a real posting would.
    await db()
      .transaction()
      .execute(async (tx) => {
        await sql`INSERT INTO ledger_transactions (id, tenant_id, mode, currency, kind, reference, amount)
                  VALUES (${id}, ${t.tenantId}, 'test', 'USD', 'funding', ${`funding:${id}`}, 100000000)`.execute(
          tx,
        );
        await sql`INSERT INTO ledger_postings (transaction_id, account_id, amount)
                  VALUES (${id}, ${t.accounts.funding}, -100000000), (${id}, ${t.accounts.wallet}, 100000000)`.execute(
          tx,
        );
      });
    expect(await walletBalance(t.accounts.wallet)).toBe(100_000_099n);

    const cli = await service.cli("reconcile", "--json");
    expect(cli.code, cli.stderr).toBe(3);
    const report = cli.json();
    // The ledger agrees with itself: only the witness sees the money that came from nowhere.
    expect(report.ledger).toEqual([]);
    expect(report.journal).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          problem: "inserted",
          subject: id,
          detail: expect.stringContaining("funding of 100000000"),
        }),
        {
          problem: "balance",
          subject: t.accounts.wallet,
          detail: "wallet balance 100000099 but its journaled postings sum to 99",
        },
      ]),
    );

    await asAttacker(async (tx) => {
      await sql`DELETE FROM ledger_postings WHERE transaction_id = ${id}`.execute(tx);
      await sql`DELETE FROM ledger_transactions WHERE id = ${id}`.execute(tx);
      await sql`UPDATE ledger_accounts SET balance = balance - 100000000 WHERE id = ${t.accounts.wallet}`.execute(
        tx,
      );
      await sql`UPDATE ledger_accounts SET balance = balance + 100000000 WHERE id = ${t.accounts.funding}`.execute(
        tx,
      );
    });
    expect((await run()).ok).toBe(true);
  });

  it("reports an altered amount (funding 100.00 made 1,000.00, postings and balances to match)", async () => {
    const t = await fundedTenant(10_000n);
    const edit = (amount: bigint, delta: bigint) =>
      asAttacker(async (tx) => {
        await sql`UPDATE ledger_transactions SET amount = ${amount} WHERE id = ${t.funding.id}`.execute(
          tx,
        );
        await sql`UPDATE ledger_postings SET amount = sign(amount) * ${amount} WHERE transaction_id = ${t.funding.id}`.execute(
          tx,
        );
        await sql`UPDATE ledger_accounts SET balance = balance + ${delta} WHERE id = ${t.accounts.wallet}`.execute(
          tx,
        );
        await sql`UPDATE ledger_accounts SET balance = balance - ${delta} WHERE id = ${t.accounts.funding}`.execute(
          tx,
        );
      });
    await edit(100_000n, 90_000n);

    const report = await run();
    expect(report.ledger).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.journal).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          problem: "altered",
          subject: t.funding.id,
          detail: expect.stringContaining("amount 10000 → 100000"),
        }),
        expect.objectContaining({
          problem: "balance",
          subject: t.accounts.wallet,
          detail: "wallet balance 100000 but its journaled postings sum to 10000",
        }),
      ]),
    );

    await edit(10_000n, -90_000n);
    expect((await run()).ok).toBe(true);
  });

  it("reports a funding deleted together with its entries, and with its journal entry too", async () => {
    const t = await fundedTenant(5_000n);
    const second = await fundWallet(db(), { ...t.book, amountMinor: 700n });
    const funding = await db()
      .selectFrom("ledger_transactions")
      .selectAll()
      .where("reference", "=", second.reference)
      .executeTakeFirstOrThrow();
    const removeFromLedger = () =>
      asAttacker(async (tx) => {
        await sql`DELETE FROM ledger_postings WHERE transaction_id = ${t.funding.id}`.execute(tx);
        await sql`DELETE FROM ledger_transactions WHERE id = ${t.funding.id}`.execute(tx);
        await sql`UPDATE ledger_accounts SET balance = balance - 5000 WHERE id = ${t.accounts.wallet}`.execute(
          tx,
        );
        await sql`UPDATE ledger_accounts SET balance = balance + 5000 WHERE id = ${t.accounts.funding}`.execute(
          tx,
        );
      });
    const saved = await db()
      .selectFrom("ledger_postings")
      .selectAll()
      .where("transaction_id", "=", t.funding.id)
      .execute();
    const restore = () =>
      asAttacker(async (tx) => {
        await tx.insertInto("ledger_transactions").values(t.funding).execute();
        await tx.insertInto("ledger_postings").values(saved).execute();
        await sql`UPDATE ledger_accounts SET balance = balance + 5000 WHERE id = ${t.accounts.wallet}`.execute(
          tx,
        );
        await sql`UPDATE ledger_accounts SET balance = balance - 5000 WHERE id = ${t.accounts.funding}`.execute(
          tx,
        );
      });

    await removeFromLedger();
    let report = await run();
    expect(report.ledger).toEqual([]);
    expect(report.journal).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          problem: "deleted",
          subject: t.funding.id,
          detail: expect.stringContaining("funding of 5000"),
        }),
        {
          problem: "balance",
          subject: t.accounts.wallet,
          detail: "wallet balance 700 but its journaled postings sum to 5700",
        },
      ]),
    );

    // The first of two entries removed from the journal as well: the chain shows the hole.
    const entry = await db()
      .selectFrom("ledger_journal")
      .selectAll()
      .where("transaction_id", "=", t.funding.id)
      .executeTakeFirstOrThrow();
    await asAttacker(async (tx) => {
      await sql`DELETE FROM ledger_journal WHERE transaction_id = ${t.funding.id}`.execute(tx);
    });
    report = await run();
    expect(report.ok).toBe(false);
    expect(report.journal).toEqual(
      expect.arrayContaining([
        {
          problem: "deleted",
          subject: `${t.tenantId}/test/USD#2`,
          detail: "journal entries 1..1 are missing",
        },
      ]),
    );
    expect(funding.amount).toBe(700n);

    await asAttacker(async (tx) => {
      await tx.insertInto("ledger_journal").values(entry).execute();
    });
    await restore();
    expect((await run()).ok).toBe(true);
  });

  it("reports a truncated tail of the journal against the high-water mark kept outside the database", async () => {
    const t = await fundedTenant(1_000n);
    expect((await run()).ok).toBe(true); // the witness marks the chain at entry 1
    const chain = `${t.tenantId}/test/USD`;

    // The attacker removes the latest funding completely: ledger, balances, journal entry, head.
    await asAttacker(async (tx) => {
      await sql`DELETE FROM ledger_postings WHERE transaction_id = ${t.funding.id}`.execute(tx);
      await sql`DELETE FROM ledger_transactions WHERE id = ${t.funding.id}`.execute(tx);
      await sql`DELETE FROM ledger_journal WHERE transaction_id = ${t.funding.id}`.execute(tx);
      await sql`UPDATE ledger_journal_heads SET seq = 0, hash = ${"0".repeat(64)}
                WHERE tenant_id = ${t.tenantId}`.execute(tx);
      await sql`UPDATE ledger_accounts SET balance = balance - 1000 WHERE id = ${t.accounts.wallet}`.execute(
        tx,
      );
      await sql`UPDATE ledger_accounts SET balance = balance + 1000 WHERE id = ${t.accounts.funding}`.execute(
        tx,
      );
    });

    // What is left is a valid chain: without the marks, nothing shows (the documented limit).
    expect((await run(null)).journal).toEqual([]);
    const report = await run();
    expect(report.ok).toBe(false);
    expect(report.journal).toEqual([
      expect.objectContaining({
        problem: "truncated",
        subject: chain,
        detail: expect.stringContaining(
          "the witness saw 1 entries on this chain, the journal now has 0",
        ),
      }),
    ]);
    // It keeps saying so: a mark never comes down.
    expect((await run()).journal).toHaveLength(1);
  });

  it("reports a journal entry forged without the key", async () => {
    const t = await fundedTenant(300n);
    const id = newId("ltx");
    const head = await db()
      .selectFrom("ledger_journal_heads")
      .selectAll()
      .where("tenant_id", "=", t.tenantId)
      .executeTakeFirstOrThrow();
    await asAttacker(async (tx) => {
      await sql`INSERT INTO ledger_transactions (id, tenant_id, mode, currency, kind, reference, amount)
                VALUES (${id}, ${t.tenantId}, 'test', 'USD', 'funding', ${`funding:${id}`}, 50000)`.execute(
        tx,
      );
      await sql`INSERT INTO ledger_postings (transaction_id, account_id, amount)
                VALUES (${id}, ${t.accounts.funding}, -50000), (${id}, ${t.accounts.wallet}, 50000)`.execute(
        tx,
      );
      await sql`UPDATE ledger_accounts SET balance = balance + 50000 WHERE id = ${t.accounts.wallet}`.execute(
        tx,
      );
      await sql`UPDATE ledger_accounts SET balance = balance - 50000 WHERE id = ${t.accounts.funding}`.execute(
        tx,
      );
      // A copy of the genuine entry's shape, re-hashed with SHA-256: the best one can do without the key.
      await sql`INSERT INTO ledger_journal (tenant_id, mode, currency, seq, transaction_id, content, prev_hash, hash)
                VALUES (${t.tenantId}, 'test', 'USD', 2, ${id}, '{}', ${head.hash}, encode(sha256('forged'), 'hex'))`.execute(
        tx,
      );
      await sql`UPDATE ledger_journal_heads SET seq = 2, hash = encode(sha256('forged'), 'hex')
                WHERE tenant_id = ${t.tenantId}`.execute(tx);
    });
    const report = await run(null);
    expect(report.ok).toBe(false);
    expect(report.journal).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          problem: "forged",
          subject: `${t.tenantId}/test/USD#2`,
          detail: expect.stringContaining("signature does not match"),
        }),
        expect.objectContaining({ problem: "balance", subject: t.accounts.wallet }),
      ]),
    );
  });

  it("journals postings that predate it once; a backfill forced later is reported, and a foreign key refuses to start", async () => {
    const signer = journalSignerOf(db());
    // What an upgraded database looks like before its first start: postings, no journal. Here the
    // attacker makes it so, hoping the next start journals their earlier insert as genuine.
    await asAttacker(async (tx) => {
      await sql`DELETE FROM ledger_journal`.execute(tx);
      await sql`DELETE FROM ledger_journal_heads`.execute(tx);
      await sql`UPDATE ledger_journal_state SET backfilled = false`.execute(tx);
    });
    const { backfilled } = await prepareJournal(db(), signer);
    expect(backfilled).toBeGreaterThan(0);
    expect((await prepareJournal(db(), signer)).backfilled).toBe(0); // once only

    // Without marks the rebuilt journal is consistent: a first start has to trust the database.
    expect((await run(null)).journal).toEqual([]);
    // This witness was watching before: everything journaled since by a backfill is suspect.
    const report = await run();
    expect(report.ok).toBe(false);
    expect(report.journal.filter((p) => p.problem === "late backfill")).toHaveLength(backfilled);

    await expect(prepareJournal(db(), new JournalSigner(randomBytes(32)))).rejects.toThrow(
      /not the one this database's journal was written with/,
    );
  });
});
