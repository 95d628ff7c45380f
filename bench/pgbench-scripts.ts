/**
 * The pgbench baseline for issuance: per card, the same statements in the same order and the same
 * transactions that Cardrail runs for `POST /cards` with an Idempotency-Key and an ACTIVE holder
 * (captured from the service's own queries; see bench/README.md), against the same schema, triggers
 * and rows. What it leaves out is everything that is not SQL: HTTP, JSON, validation, Kysely, the
 * upstream call.
 *
 * Per card (22 statements, 3 explicit transactions + 6 autocommit statements):
 *   authenticate          SELECT api_keys by id
 *   preconditions         SELECT card_products; SELECT cardholders
 *   claimKey              INSERT idempotency_keys (token, lease) … ON CONFLICT DO NOTHING RETURNING
 *   debitAndRecord        BEGIN; UPDATE idempotency_keys (holdKey: the fence); SELECT cardholders.status; INSERT cards RETURNING *;
 *                         SELECT ledger_accounts (ensureAccounts); SAVEPOINT;
 *                         INSERT ledger_transactions … ON CONFLICT DO NOTHING RETURNING id;
 *                         INSERT 2 ledger_postings (trigger updates both account balances: the hot row);
 *                         RELEASE SAVEPOINT; UPDATE idempotency_keys (card_created, fenced); COMMIT
 *   callIssuer            SELECT cardholders.issuer_cardholder_id
 *   applyIssuerState      BEGIN; UPDATE idempotency_keys (holdKey); SELECT cards FOR UPDATE;
 *                         UPDATE cards RETURNING *; COMMIT
 *   finishKey             UPDATE idempotency_keys (finished, outcome jsonb; fenced)
 * (The lease's heartbeat adds one UPDATE per third of IDEMPOTENCY_LOCK_TIMEOUT_MS per request
 * running that long: none in a request that takes milliseconds.)
 * touchApiKey writes at most once a minute per key, so it is left out.
 */

export interface BenchTenant {
  tenantId: string;
  apiKey: string;
  accessKey: string;
  holderId: string;
  walletAccount: string;
  inFlightAccount: string;
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Passed with -D outcome=…: pgbench would read ":true" inside a literal as a variable. */
export const OUTCOME = JSON.stringify({
  ok: {
    success: true,
    cardId: "card_01m80xzwrdfhk9gazd3w3tsznd",
    uqpayCardId: "c2a2ceba-fe50-414a-ab69-13bb1a75c2da",
    holderId: "ch_01m80xzwgcxfapsv5tcect3gyw",
    status: "pending",
    currency: "USD",
    loadAmount: 1,
    loadedBalance: 1,
    cardProductId: "111031",
    maskedNumber: null,
    createdAt: "2026-11-22T06:09:43.693Z",
  },
});

/** One script per tenant; pgbench picks among them at random (weights equal). */
export function issuanceScript(t: BenchTenant, amountMinor: number): string {
  const tenant = q(t.tenantId);
  const holder = q(t.holderId);
  const card = `('card_pgb' || :r::text)`;
  const key = `('pgb-' || :r::text)`;
  const token = `md5('tok' || :r::text)::uuid`;
  const lease = `now() + make_interval(secs => 60)`;
  const keyRow = `tenant_id = ${tenant} AND mode = 'test' AND key = ${key}`;
  return `\\set r random(1, 999999999999999999)
SELECT id, tenant_id, mode, secret_hash, secret_salt, revoked_at FROM api_keys WHERE id = ${q(t.apiKey)};
SELECT * FROM card_products WHERE mode = 'test' AND id = '111031' AND enabled = true;
SELECT * FROM cardholders WHERE id = ${holder} AND tenant_id = ${tenant} AND mode = 'test';
INSERT INTO idempotency_keys (tenant_id, mode, key, request_path, request_hash, recovery_point, lock_token, lease_expires_at, card_id, outcome) VALUES (${tenant}, 'test', ${key}, 'POST /cards', md5(${key}), 'started', ${token}, ${lease}, NULL, NULL) ON CONFLICT (tenant_id, mode, key) DO NOTHING RETURNING key;
BEGIN;
UPDATE idempotency_keys SET lease_expires_at = ${lease} WHERE ${keyRow} AND lock_token = ${token} AND recovery_point <> 'finished' RETURNING key;
SELECT status FROM cardholders WHERE id = ${holder} AND tenant_id = ${tenant} AND mode = 'test';
INSERT INTO cards (id, tenant_id, mode, cardholder_id, product_id, currency, load_amount, status, issuer_card_id, issuer_order_id, issuer_status, masked_number, failure_reason, upstream_key) VALUES (${card}, ${tenant}, 'test', ${holder}, '111031', 'USD', ${amountMinor}, 'creating', NULL, NULL, NULL, NULL, NULL, gen_random_uuid()) RETURNING *;
SELECT id, kind FROM ledger_accounts WHERE tenant_id = ${tenant} AND mode = 'test' AND currency = 'USD';
SAVEPOINT ledger_post;
INSERT INTO ledger_transactions (id, tenant_id, mode, currency, kind, reference, amount, card_id, memo) VALUES (('ltx_pgb' || :r::text), ${tenant}, 'test', 'USD', 'card_debit', ('card' || ':' || 'card_pgb' || :r::text || ':' || 'debit'), ${amountMinor}, ${card}, NULL) ON CONFLICT (reference) DO NOTHING RETURNING id;
INSERT INTO ledger_postings (transaction_id, account_id, amount) VALUES (('ltx_pgb' || :r::text), ${q(t.walletAccount)}, -${amountMinor}), (('ltx_pgb' || :r::text), ${q(t.inFlightAccount)}, ${amountMinor});
RELEASE SAVEPOINT ledger_post;
UPDATE idempotency_keys SET recovery_point = 'card_created', card_id = ${card}, lease_expires_at = ${lease} WHERE ${keyRow} AND lock_token = ${token} AND recovery_point = 'started' RETURNING key;
COMMIT;
SELECT issuer_cardholder_id FROM cardholders WHERE id = ${holder};
BEGIN;
UPDATE idempotency_keys SET lease_expires_at = ${lease} WHERE ${keyRow} AND lock_token = ${token} AND recovery_point <> 'finished' RETURNING key;
SELECT * FROM cards WHERE id = ${card} FOR UPDATE;
UPDATE cards SET status = 'pending', issuer_status = 'PENDING', issuer_card_id = ('pgbi-' || :r::text), issuer_order_id = ('pgbo-' || :r::text), masked_number = NULL, failure_reason = NULL, updated_at = now() WHERE id = ${card} RETURNING *;
COMMIT;
UPDATE idempotency_keys SET recovery_point = 'finished', outcome = :outcome, lock_token = NULL, lease_expires_at = NULL WHERE ${keyRow} AND lock_token = ${token} AND recovery_point <> 'finished' RETURNING key;
`;
}
