import { sql } from "kysely";
import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { constraintViolation } from "../../db/constraint.ts";
import { journalSignerOf } from "../../db/journal-signer.ts";
import type { Db, DbOrTx, Tx } from "../../db/pool.ts";
import type { LedgerAccountKind, LedgerTransactionKind, Mode } from "../../db/schema.ts";
import { canonicalText, entryHash, ledgerContents, lockChainHead } from "./journal.ts";

/**
 * The double-entry ledger. Money moves only by `post`, which writes one transaction whose postings
 * sum to zero; a trigger applies each posting to its account's balance in the same database
 * transaction, and a CHECK keeps wallets ≥ 0 even if code above is wrong. A transaction's
 * `reference` is unique, so replaying an operation can never move money twice.
 */

export interface Book {
  tenantId: string;
  mode: Mode;
  currency: string;
}

/** Which accounts each kind of movement debits and credits. One table, so every path agrees. */
const movements: Record<LedgerTransactionKind, { from: LedgerAccountKind; to: LedgerAccountKind }> =
  {
    funding: { from: "funding", to: "wallet" },
    card_debit: { from: "wallet", to: "cards_in_flight" },
    card_loaded: { from: "cards_in_flight", to: "cards_loaded" },
    card_refund: { from: "cards_in_flight", to: "wallet" },
    // A top-up moves like issuance: debited first, loaded or refunded once the issuer has answered.
    top_up_debit: { from: "wallet", to: "cards_in_flight" },
    top_up_loaded: { from: "cards_in_flight", to: "cards_loaded" },
    top_up_refund: { from: "cards_in_flight", to: "wallet" },
    // Money off a card reaches the wallet only once the issuer has confirmed it.
    card_withdrawal: { from: "cards_loaded", to: "wallet" },
    card_return: { from: "cards_loaded", to: "wallet" },
  };

const ALL_KINDS: LedgerAccountKind[] = ["wallet", "funding", "cards_in_flight", "cards_loaded"];

/**
 * Account ids by book, kept for the life of the process: accounts are never deleted or renumbered,
 * so once seen committed their ids are facts. (Ids only created by a transaction that might still
 * roll back are not cached.)
 */
const knownAccounts = new Map<string, Record<LedgerAccountKind, string>>();
const bookKey = (book: Book) => `${book.tenantId}|${book.mode}|${book.currency}`;

/** Creates the book's accounts if missing; returns their ids by kind. */
export async function ensureAccounts(
  db: DbOrTx,
  book: Book,
): Promise<Record<LedgerAccountKind, string>> {
  const cached = knownAccounts.get(bookKey(book));
  if (cached) return cached;
  const existing = await selectAccounts(db, book);
  if (existing.size === ALL_KINDS.length) {
    const ids = Object.fromEntries(existing) as Record<LedgerAccountKind, string>;
    knownAccounts.set(bookKey(book), ids);
    return ids;
  }
  await db
    .insertInto("ledger_accounts")
    .values(
      ALL_KINDS.map((kind) => ({
        id: newId("acct"),
        tenant_id: book.tenantId,
        mode: book.mode,
        currency: book.currency,
        kind,
      })),
    )
    .onConflict((oc) => oc.columns(["tenant_id", "mode", "currency", "kind"]).doNothing())
    .execute();
  return Object.fromEntries(await selectAccounts(db, book)) as Record<LedgerAccountKind, string>;
}

async function selectAccounts(db: DbOrTx, book: Book): Promise<Map<LedgerAccountKind, string>> {
  const rows = await db
    .selectFrom("ledger_accounts")
    .select(["id", "kind"])
    .where("tenant_id", "=", book.tenantId)
    .where("mode", "=", book.mode)
    .where("currency", "=", book.currency)
    .execute();
  return new Map(rows.map((r) => [r.kind, r.id]));
}

export interface PostInput {
  kind: LedgerTransactionKind;
  amount: bigint;
  reference: string;
  cardId?: string;
  memo?: string;
}

/**
 * Posts one movement. Must run inside a transaction (the postings and the balance change commit
 * together). Returns false when `reference` was already posted (a replay: nothing moves).
 * Throws `insufficient_balance` when it would take a wallet below zero; the caller's transaction
 * is then aborted, and every caller lets it roll back (a refused debit leaves no trace).
 *
 * The journal's chain head is locked first (one book's postings append in turn; its wallet and
 * in-flight rows serialised them already), then the header, both postings, the journal entry and
 * the new head are one statement: a hot wallet's row lock is held for as few round trips as possible.
 */
export async function post(tx: Tx, book: Book, input: PostInput): Promise<boolean> {
  if (input.amount <= 0n)
    throw new RangeError("ledger amounts are positive; the movement gives the direction");
  const signer = journalSignerOf(tx);
  const accounts = await ensureAccounts(tx, book);
  const { from, to } = movements[input.kind];
  const head = await lockChainHead(tx, book);
  const transactionId = newId("ltx");
  const seq = head.seq + 1n;
  const text = canonicalText({
    book,
    seq,
    transactionId,
    kind: input.kind,
    reference: input.reference,
    amount: input.amount,
    cardId: input.cardId ?? null,
    memo: input.memo ?? null,
    at: head.at,
    postings: [
      { account: accounts[from], accountKind: from, amount: -input.amount },
      { account: accounts[to], accountKind: to, amount: input.amount },
    ],
  });
  const hash = entryHash(signer, head.hash, text);
  try {
    const result = await sql<{ n: bigint }>`
      WITH header AS (
        INSERT INTO ledger_transactions (id, tenant_id, mode, currency, kind, reference, amount, card_id, memo, created_at)
        VALUES (${transactionId}, ${book.tenantId}, ${book.mode}, ${book.currency}, ${input.kind},
                ${input.reference}, ${input.amount}, ${input.cardId ?? null}, ${input.memo ?? null}, ${head.at})
        ON CONFLICT (reference) DO NOTHING
        RETURNING id
      ), postings AS (
        INSERT INTO ledger_postings (transaction_id, account_id, amount)
        SELECT header.id, leg.account_id, leg.amount
        FROM header
        CROSS JOIN (VALUES (${accounts[from]}::text, ${-input.amount}::bigint),
                           (${accounts[to]}::text, ${input.amount}::bigint)) AS leg(account_id, amount)
        -- Every posting locks its accounts (the balance trigger) in one global order. A debit moves
        -- wallet → in-flight and a refund in-flight → wallet; in their own orders, the two locked
        -- the same rows oppositely and deadlocked under load.
        ORDER BY leg.account_id
        RETURNING 1
      ), journal AS (
        -- Only when the header was written: a replayed reference journals nothing.
        INSERT INTO ledger_journal (tenant_id, mode, currency, seq, transaction_id, content, prev_hash, hash)
        SELECT ${book.tenantId}::text, ${book.mode}::text, ${book.currency}::text, ${seq}::bigint, header.id,
               ${text}::text, ${head.hash}::text, ${hash}::text
        FROM header
        RETURNING 1
      ), head AS (
        UPDATE ledger_journal_heads SET seq = ${seq}, hash = ${hash}
        WHERE tenant_id = ${book.tenantId} AND mode = ${book.mode} AND currency = ${book.currency}
          AND EXISTS (SELECT 1 FROM header)
        RETURNING 1
      )
      SELECT count(*) AS n FROM postings`.execute(tx);
    return (result.rows[0]?.n ?? 0n) > 0n;
  } catch (error) {
    if (constraintViolation(error)?.constraint === "wallet_never_negative") {
      throw new CardrailError("insufficient_balance", "Insufficient wallet balance");
    }
    throw error;
  }
}

export interface WalletBalance {
  currency: string;
  mode: Mode;
  balance: bigint;
}

export async function walletBalances(
  db: DbOrTx,
  tenantId: string,
  mode?: Mode,
): Promise<WalletBalance[]> {
  let query = db
    .selectFrom("ledger_accounts")
    .select(["currency", "mode", "balance"])
    .where("tenant_id", "=", tenantId)
    .where("kind", "=", "wallet");
  if (mode) query = query.where("mode", "=", mode);
  return query.orderBy("mode").orderBy("currency").execute();
}

/**
 * The journal, its heads, the ledger's contents and its accounts, read in ONE snapshot (repeatable
 * read), for the witness check (reconcile/witness.ts): a posting committing between two reads must
 * not look inserted or deleted.
 */
export async function journalSnapshot(db: Db) {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (tx) => ({
      entries: await tx
        .selectFrom("ledger_journal")
        .selectAll()
        .orderBy("tenant_id")
        .orderBy("mode")
        .orderBy("currency")
        .orderBy("seq")
        .execute(),
      heads: await tx.selectFrom("ledger_journal_heads").selectAll().execute(),
      ledger: await ledgerContents(tx),
      accounts: await tx
        .selectFrom("ledger_accounts")
        .select(["id", "tenant_id", "mode", "currency", "kind", "balance"])
        .execute(),
    }));
}

/** The balance of every book's cards_loaded account: what the issuer should hold on our cards. */
export async function cardsLoadedBalances(db: DbOrTx) {
  return db
    .selectFrom("ledger_accounts")
    .select(["tenant_id", "mode", "currency", "balance"])
    .where("kind", "=", "cards_loaded")
    .execute();
}

/** The ledger transaction with this reference, if any (an operator's funding is checked by it). */
export async function transactionByReference(db: DbOrTx, reference: string) {
  return db
    .selectFrom("ledger_transactions")
    .select(["tenant_id", "mode", "currency", "amount", "kind"])
    .where("reference", "=", reference)
    .executeTakeFirst();
}
