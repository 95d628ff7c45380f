import type pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrate } from "../../src/db/migrate.ts";
import { createDb } from "../../src/db/pool.ts";
import { freshPostgresDatabase } from "../fixtures/database.ts";

/**
 * Every list a tenant pages through is served by an index, never a scan of the table: with many
 * tenants' rows in PostgreSQL (statistics analysed), the plan of each list's first and later pages
 * names its index and no sequential scan. (The queries are the repositories'; here in SQL form so
 * the plan is read for exactly what they send.)
 */

const ROWS = 20_000;
let pool: pg.Pool;
let drop: () => Promise<void>;

beforeAll(async () => {
  const fresh = await freshPostgresDatabase();
  drop = fresh.drop;
  pool = createDb(fresh.url, 2).pool;
  await migrate(pool);
  // One large tenant and a small one (1 row in 100): the small one's pages must not walk the
  // large one's rows, so its list needs its own index, not the primary key.
  await pool.query(`
    INSERT INTO tenants (id, name) SELECT id, id FROM unnest(ARRAY['ten_large', 'ten_small']) id;
    INSERT INTO end_users (id, tenant_id, mode, email, first_name, last_name, country, mobile)
      SELECT 'usr_' || lpad(i::text, 26, '0'), CASE WHEN i % 100 = 0 THEN 'ten_small' ELSE 'ten_large' END, 'test', 'u' || i || '@example.com', 'A', 'B', 'IN', '9' || i
      FROM generate_series(1, ${ROWS}) i;
    INSERT INTO cardholders (id, tenant_id, mode, user_id, status, kyc_doc_type, kyc_id_number, submission_key)
      SELECT 'ch_' || lpad(i::text, 26, '0'), CASE WHEN i % 100 = 0 THEN 'ten_small' ELSE 'ten_large' END, 'test', 'usr_' || lpad(i::text, 26, '0'),
             'ACTIVE', 'passport', 'P' || i, gen_random_uuid()
      FROM generate_series(1, ${ROWS}) i;
    INSERT INTO cards (id, tenant_id, mode, cardholder_id, product_id, currency, load_amount, status, upstream_key)
      SELECT 'card_' || lpad(i::text, 26, '0'), CASE WHEN i % 100 = 0 THEN 'ten_small' ELSE 'ten_large' END, 'test', 'ch_' || lpad(i::text, 26, '0'),
             '111031', 'USD', 100, 'active', gen_random_uuid()
      FROM generate_series(1, ${ROWS}) i;
    INSERT INTO card_transactions (id, tenant_id, mode, card_id, issuer_transaction_id, type, status, amount,
                                   currency, billing_amount, billing_currency, occurred_at)
      SELECT 'txn_' || lpad(i::text, 26, '0'), CASE WHEN i % 100 = 0 THEN 'ten_small' ELSE 'ten_large' END, 'test', 'card_' || lpad(i::text, 26, '0'),
             'itx' || i, 'authorization', 'approved', 100, 'USD', 100, 'USD', now()
      FROM generate_series(1, ${ROWS}) i;
    ANALYZE;`);
});
afterAll(async () => {
  await pool?.end();
  await drop?.();
});

async function plan(query: string, params: unknown[]): Promise<string> {
  const { rows } = await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN ${query}`, params);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

const CASES: [string, string, string][] = [
  [
    "GET /cards",
    `SELECT * FROM cards WHERE tenant_id = $1 AND mode = 'test' AND id < $2 ORDER BY id DESC LIMIT 21`,
    "cards_list",
  ],
  [
    "GET /cards?holderId=",
    `SELECT * FROM cards WHERE tenant_id = $1 AND mode = 'test' AND cardholder_id = 'ch_' || $2 AND id < 'card_z' ORDER BY id DESC LIMIT 21`,
    "cards_by_holder",
  ],
  [
    "GET /cardholders",
    `SELECT h.*, u.email FROM cardholders h JOIN end_users u ON u.id = h.user_id
     WHERE h.tenant_id = $1 AND h.mode = 'test' AND h.id < $2 ORDER BY h.id DESC LIMIT 21`,
    "cardholders_list",
  ],
  [
    "GET /transactions",
    `SELECT * FROM card_transactions WHERE tenant_id = $1 AND mode = 'test' AND id < $2 ORDER BY id DESC LIMIT 21`,
    "card_transactions_list",
  ],
];

it.each(CASES)("%s pages by index, never by scanning the table", async (_name, query, index) => {
  const text = await plan(query, ["ten_small", _name.includes("holderId") ? "x" : "zzzz"]);
  expect(text).toContain(index);
  expect(text).not.toMatch(/Seq Scan on (cards|cardholders|card_transactions)\b/);
});
