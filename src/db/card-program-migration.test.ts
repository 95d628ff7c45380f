import type pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../test/fixtures/database.ts";
import { type EmbeddedDatabase, openEmbedded } from "./embedded.ts";
import { migrate } from "./migrate.ts";
import { createDb } from "./pool.ts";

// A database as the release before the card program left it, with money already moved, upgraded.
let pool: pg.Pool;
let embedded: EmbeddedDatabase | null = null;
let drop: () => Promise<void>;

beforeAll(async () => {
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  if (fresh.url) pool = createDb(fresh.url, 2).pool;
  else {
    embedded = await openEmbedded(null);
    pool = embedded.pool;
  }
  await migrate(pool, { through: "0009_idempotency_outcome_as_sent.sql" });
});
afterAll(async () => {
  if (embedded) await embedded.close();
  else await pool.end();
  await drop();
});

it("records each posting's balance afterwards, backfilling the postings made before the upgrade", async () => {
  await pool.query(`INSERT INTO tenants (id, name) VALUES ('ten_a', 'A')`);
  await pool.query(`INSERT INTO ledger_accounts (id, tenant_id, mode, currency, kind) VALUES
    ('acct_w', 'ten_a', 'test', 'USD', 'wallet'), ('acct_f', 'ten_a', 'test', 'USD', 'funding'),
    ('acct_i', 'ten_a', 'test', 'USD', 'cards_in_flight')`);
  const move = async (id: string, kind: string, from: string, to: string, amount: number) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO ledger_transactions (id, tenant_id, mode, currency, kind, reference, amount)
         VALUES ($1, 'ten_a', 'test', 'USD', $2, $1, $3)`,
        [id, kind, amount],
      );
      await client.query(
        `INSERT INTO ledger_postings (transaction_id, account_id, amount) VALUES ($1, $2, $3), ($1, $4, $5)`,
        [id, from, -amount, to, amount],
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    } finally {
      client.release();
    }
  };
  await move("ltx_1", "funding", "acct_f", "acct_w", 1000);
  await move("ltx_2", "card_debit", "acct_w", "acct_i", 300);

  expect(await migrate(pool)).toContain("0010_card_program.sql");
  await move("ltx_3", "funding", "acct_f", "acct_w", 50);
  await move("ltx_4", "top_up_debit", "acct_w", "acct_i", 25);

  const { rows } = await pool.query<{ transaction_id: string; balance_after: string }>(
    `SELECT transaction_id, balance_after::text FROM ledger_postings WHERE account_id = 'acct_w' ORDER BY transaction_id`,
  );
  expect(rows).toEqual([
    { transaction_id: "ltx_1", balance_after: "1000" },
    { transaction_id: "ltx_2", balance_after: "700" },
    { transaction_id: "ltx_3", balance_after: "750" },
    { transaction_id: "ltx_4", balance_after: "725" },
  ]);
  // Still immutable after the backfill, and still never negative.
  await expect(
    pool.query(`UPDATE ledger_postings SET amount = 1 WHERE transaction_id = 'ltx_1'`),
  ).rejects.toThrow(/immutable/);
  await expect(move("ltx_5", "top_up_debit", "acct_w", "acct_i", 10_000)).rejects.toThrow(
    /wallet_never_negative/,
  );
});
