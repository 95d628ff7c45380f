import { sql } from "kysely";
import type { DbOrTx } from "../../db/pool.ts";

/**
 * Checks every ledger invariant with SQL over the whole database and returns what is wrong, never
 * fixing anything: money problems go to a human. Used by `cli reconcile`, the reconcile job and tests.
 */

export interface InvariantViolation {
  invariant: string;
  subject: string;
  detail: string;
}

export async function checkLedgerInvariants(db: DbOrTx): Promise<InvariantViolation[]> {
  const violations: InvariantViolation[] = [];
  const add = (invariant: string, rows: { subject: string; detail: string }[]) => {
    for (const row of rows) violations.push({ invariant, ...row });
  };

  // 1. An account's balance is the sum of its postings.
  add(
    "account balance equals the sum of its postings",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT a.id AS subject, 'balance ' || a.balance || ' but postings sum to ' || coalesce(sum(p.amount), 0) AS detail
        FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
        GROUP BY a.id, a.balance HAVING a.balance <> coalesce(sum(p.amount), 0)`.execute(db)
    ).rows,
  );

  // 2. Every transaction has exactly two postings that sum to zero, each of the transaction's amount.
  add(
    "transaction is balanced",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT t.id AS subject, count(p.*) || ' postings summing to ' || coalesce(sum(p.amount), 0) AS detail
        FROM ledger_transactions t LEFT JOIN ledger_postings p ON p.transaction_id = t.id
        GROUP BY t.id, t.amount
        HAVING count(p.*) <> 2 OR coalesce(sum(p.amount), 0) <> 0 OR max(abs(p.amount)) <> t.amount OR min(abs(p.amount)) <> t.amount`.execute(
        db,
      )
    ).rows,
  );

  // 3. Wallets never negative (the CHECK makes this impossible; verified anyway).
  add(
    "wallet is not negative",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT id AS subject, 'balance ' || balance AS detail FROM ledger_accounts WHERE kind = 'wallet' AND balance < 0`.execute(
        db,
      )
    ).rows,
  );

  // 4. The contract's identity per wallet: funding − debits + refunds = balance.
  add(
    "funding - debits + refunds = wallet balance",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT a.id AS subject,
               'funding ' || f || ' - debits ' || d || ' + refunds ' || r || ' <> balance ' || a.balance AS detail
        FROM ledger_accounts a
        CROSS JOIN LATERAL (
          SELECT coalesce(sum(t.amount) FILTER (WHERE t.kind = 'funding'), 0) AS f,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'card_debit'), 0) AS d,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'card_refund'), 0) AS r
          FROM ledger_transactions t
          WHERE t.tenant_id = a.tenant_id AND t.mode = a.mode AND t.currency = a.currency) totals
        WHERE a.kind = 'wallet' AND f - d + r <> a.balance`.execute(db)
    ).rows,
  );

  // 5. Every card's money is in exactly one place matching its status:
  //    creating/pending → debited only; active/frozen/cancelled → debited and loaded; failed → debited and refunded.
  add(
    "card money matches card status",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT c.id AS subject,
               c.status || ': debit ' || coalesce(s.debits, 0) || ', loaded ' || coalesce(s.loads, 0) || ', refund ' || coalesce(s.refunds, 0)
               || ' (amount ' || c.load_amount || ')' AS detail
        FROM cards c
        LEFT JOIN (
          SELECT card_id,
                 sum(amount) FILTER (WHERE kind = 'card_debit') AS debits,
                 sum(amount) FILTER (WHERE kind = 'card_loaded') AS loads,
                 sum(amount) FILTER (WHERE kind = 'card_refund') AS refunds
          FROM ledger_transactions WHERE card_id IS NOT NULL GROUP BY card_id) s ON s.card_id = c.id
        WHERE coalesce(s.debits, 0) <> c.load_amount
           OR (c.status IN ('creating', 'pending') AND (coalesce(s.loads, 0) <> 0 OR coalesce(s.refunds, 0) <> 0))
           OR (c.status = 'failed' AND (coalesce(s.refunds, 0) <> c.load_amount OR coalesce(s.loads, 0) <> 0))
           OR (c.status IN ('active', 'frozen', 'cancelled') AND (coalesce(s.loads, 0) <> c.load_amount OR coalesce(s.refunds, 0) <> 0))`.execute(
        db,
      )
    ).rows,
  );

  // 6. A card debit with no card is money that left a wallet for nothing.
  add(
    "every card debit belongs to a card",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT t.id AS subject, 'card_debit for missing card ' || coalesce(t.card_id, '(none)') AS detail
        FROM ledger_transactions t LEFT JOIN cards c ON c.id = t.card_id
        WHERE t.kind IN ('card_debit', 'card_loaded', 'card_refund') AND c.id IS NULL`.execute(db)
    ).rows,
  );

  return violations;
}
