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

  // 4. The contract's identity per wallet, extended to money on and off cards after issuance:
  //    funding − debits + refunds − top-ups + top-up refunds + withdrawals + returns = balance.
  add(
    "funding - debits + refunds = wallet balance",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT a.id AS subject,
               'funding ' || f || ' - debits ' || d || ' + refunds ' || r || ' - top-ups ' || tu
               || ' + top-up refunds ' || tr || ' + withdrawals ' || w || ' + returns ' || rt
               || ' <> balance ' || a.balance AS detail
        FROM ledger_accounts a
        CROSS JOIN LATERAL (
          SELECT coalesce(sum(t.amount) FILTER (WHERE t.kind = 'funding'), 0) AS f,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'card_debit'), 0) AS d,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'card_refund'), 0) AS r,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'top_up_debit'), 0) AS tu,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'top_up_refund'), 0) AS tr,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'card_withdrawal'), 0) AS w,
                 coalesce(sum(t.amount) FILTER (WHERE t.kind = 'card_return'), 0) AS rt
          FROM ledger_transactions t
          WHERE t.tenant_id = a.tenant_id AND t.mode = a.mode AND t.currency = a.currency) totals
        WHERE a.kind = 'wallet' AND f - d + r - tu + tr + w + rt <> a.balance`.execute(db)
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

  // 7. Every top-up's and withdrawal's money matches its status: a top-up is debited once, then
  //    loaded (succeeded) or refunded (failed), never both; a withdrawal credits the wallet once,
  //    and only when the issuer confirmed it (succeeded).
  add(
    "card money order matches its status",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT o.id AS subject,
               o.kind || ' ' || o.status || ': debit ' || coalesce(s.debits, 0) || ', loaded ' || coalesce(s.loads, 0)
               || ', refund ' || coalesce(s.refunds, 0) || ', credited ' || coalesce(s.credits, 0)
               || ' (amount ' || o.amount || ')' AS detail
        FROM card_money_orders o
        LEFT JOIN (
          SELECT split_part(reference, ':', 2) AS order_id,
                 sum(amount) FILTER (WHERE kind = 'top_up_debit') AS debits,
                 sum(amount) FILTER (WHERE kind = 'top_up_loaded') AS loads,
                 sum(amount) FILTER (WHERE kind = 'top_up_refund') AS refunds,
                 sum(amount) FILTER (WHERE kind = 'card_withdrawal') AS credits
          FROM ledger_transactions
          WHERE kind IN ('top_up_debit', 'top_up_loaded', 'top_up_refund', 'card_withdrawal')
          GROUP BY 1) s ON s.order_id = o.id
        WHERE (o.kind = 'top_up' AND (
                 coalesce(s.debits, 0) <> o.amount OR coalesce(s.credits, 0) <> 0
              OR (o.status IN ('creating', 'pending') AND (coalesce(s.loads, 0) <> 0 OR coalesce(s.refunds, 0) <> 0))
              OR (o.status = 'succeeded' AND (coalesce(s.loads, 0) <> o.amount OR coalesce(s.refunds, 0) <> 0))
              OR (o.status = 'failed' AND (coalesce(s.refunds, 0) <> o.amount OR coalesce(s.loads, 0) <> 0))))
           OR (o.kind = 'withdrawal' AND (
                 coalesce(s.debits, 0) + coalesce(s.loads, 0) + coalesce(s.refunds, 0) <> 0
              OR coalesce(s.credits, 0) <> CASE WHEN o.status = 'succeeded' THEN o.amount ELSE 0 END))`.execute(
        db,
      )
    ).rows,
  );

  // 8. A card never gives back more than was put on it, and only a cancelled card returns its balance.
  add(
    "card returns no more than was loaded",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT c.id AS subject,
               c.status || ': loaded ' || coalesce(s.loaded, 0) || ', withdrawn ' || coalesce(s.withdrawn, 0)
               || ', returned ' || coalesce(s.returned, 0) AS detail
        FROM cards c
        JOIN (
          SELECT card_id,
                 sum(amount) FILTER (WHERE kind IN ('card_loaded', 'top_up_loaded')) AS loaded,
                 sum(amount) FILTER (WHERE kind = 'card_withdrawal') AS withdrawn,
                 sum(amount) FILTER (WHERE kind = 'card_return') AS returned
          FROM ledger_transactions WHERE card_id IS NOT NULL GROUP BY card_id) s ON s.card_id = c.id
        WHERE coalesce(s.withdrawn, 0) + coalesce(s.returned, 0) > coalesce(s.loaded, 0)
           OR (coalesce(s.returned, 0) > 0 AND c.status <> 'cancelled')`.execute(db)
    ).rows,
  );

  // 9. Money after issuance (top-ups, withdrawals, returns) belongs to a card, and a top-up or
  //    withdrawal entry to its order.
  add(
    "every card movement belongs to a card and its order",
    (
      await sql<{ subject: string; detail: string }>`
        SELECT t.id AS subject, t.kind || ' ' || t.reference || ' has no card or order' AS detail
        FROM ledger_transactions t
        LEFT JOIN cards c ON c.id = t.card_id
        LEFT JOIN card_money_orders o ON o.id = split_part(t.reference, ':', 2) AND o.card_id = t.card_id
        WHERE t.kind IN ('top_up_debit', 'top_up_loaded', 'top_up_refund', 'card_withdrawal', 'card_return')
          AND (c.id IS NULL OR (t.kind <> 'card_return' AND o.id IS NULL))`.execute(db)
    ).rows,
  );

  return violations;
}
