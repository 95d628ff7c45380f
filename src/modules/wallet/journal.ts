import { sql } from "kysely";
import type { JournalSigner } from "../../db/journal-signer.ts";
import type { Db, DbOrTx, Tx } from "../../db/pool.ts";
import type {
  LedgerAccountKind,
  LedgerJournalTable,
  LedgerTransactionKind,
  Mode,
} from "../../db/schema.ts";

/**
 * The ledger journal (migration 0008): one hash chain per book. An entry is the canonical text of
 * one ledger transaction and HMAC(key, previous hash, text). `post` appends in the same database
 * transaction as the posting, under a row lock on the chain's head, so a rolled-back posting leaves
 * no entry and no gap; `reconcile` (src/modules/reconcile/witness.ts) verifies it.
 */

/** What the first entry of every chain links to. */
export const GENESIS_HASH = "0".repeat(64);
const DOMAIN = "cardrail-ledger-journal-v1";

export interface JournalBook {
  tenantId: string;
  mode: Mode;
  currency: string;
}

export interface JournalPosting {
  account: string;
  accountKind: LedgerAccountKind;
  amount: bigint;
}

export interface JournalContent {
  book: JournalBook;
  seq: bigint;
  transactionId: string;
  kind: LedgerTransactionKind;
  reference: string;
  amount: bigint;
  cardId: string | null;
  memo: string | null;
  at: Date;
  postings: JournalPosting[];
  /** Set on entries written by the one-time journaling of postings that predate the journal. */
  backfilledAt?: Date;
}

/** One fixed text per content: fixed key order, amounts as decimal strings, postings by account. */
export function canonicalText(c: JournalContent): string {
  const postings = [...c.postings]
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0))
    .map((p) => [p.account, p.accountKind, p.amount.toString()]);
  return JSON.stringify({
    v: 1,
    tenantId: c.book.tenantId,
    mode: c.book.mode,
    currency: c.book.currency,
    seq: c.seq.toString(),
    transactionId: c.transactionId,
    kind: c.kind,
    reference: c.reference,
    amount: c.amount.toString(),
    cardId: c.cardId,
    memo: c.memo,
    at: c.at.toISOString(),
    postings,
    ...(c.backfilledAt ? { backfilledAt: c.backfilledAt.toISOString() } : {}),
  });
}

/** The inverse of canonicalText, for reconcile; throws on text that is not a journal entry. */
export function parseCanonical(text: string): JournalContent {
  const o = JSON.parse(text) as Record<string, unknown>;
  if (o.v !== 1 || !Array.isArray(o.postings)) throw new Error("not a version 1 journal entry");
  return {
    book: { tenantId: String(o.tenantId), mode: o.mode as Mode, currency: String(o.currency) },
    seq: BigInt(String(o.seq)),
    transactionId: String(o.transactionId),
    kind: o.kind as LedgerTransactionKind,
    reference: String(o.reference),
    amount: BigInt(String(o.amount)),
    cardId: o.cardId === null ? null : String(o.cardId),
    memo: o.memo === null ? null : String(o.memo),
    at: new Date(String(o.at)),
    postings: (o.postings as string[][]).map(([account, accountKind, amount]) => ({
      account: String(account),
      accountKind: accountKind as LedgerAccountKind,
      amount: BigInt(String(amount)),
    })),
    ...(typeof o.backfilledAt === "string" ? { backfilledAt: new Date(o.backfilledAt) } : {}),
  };
}

export function entryHash(signer: JournalSigner, prevHash: string, text: string): string {
  return signer.sign(DOMAIN, prevHash, text);
}

export interface ChainHead {
  seq: bigint;
  hash: string;
  /** The database's transaction time, to the millisecond: the posting's `created_at`. */
  at: Date;
}

/**
 * Locks the book's chain head for this transaction (held to commit: postings of one book append
 * one at a time) and returns it. A book's first posting creates its head; a head missing from a
 * book that has postings or entries is tampering, and refuses to post rather than start a new chain.
 */
export async function lockChainHead(tx: Tx, book: JournalBook): Promise<ChainHead> {
  const select = () =>
    tx
      .selectFrom("ledger_journal_heads")
      .select(["seq", "hash", sql<Date>`date_trunc('milliseconds', now())`.as("at")])
      .where("tenant_id", "=", book.tenantId)
      .where("mode", "=", book.mode)
      .where("currency", "=", book.currency)
      .forUpdate()
      .executeTakeFirst();
  const head = await select();
  if (head) return head;
  const used = await sql<{ used: boolean }>`
    SELECT EXISTS (SELECT 1 FROM ledger_transactions
                   WHERE tenant_id = ${book.tenantId} AND mode = ${book.mode} AND currency = ${book.currency})
        OR EXISTS (SELECT 1 FROM ledger_journal
                   WHERE tenant_id = ${book.tenantId} AND mode = ${book.mode} AND currency = ${book.currency}) AS used`.execute(
    tx,
  );
  if (used.rows[0]?.used)
    throw new Error(
      `the ledger journal head of ${book.tenantId}/${book.mode}/${book.currency} is missing although the book has postings: the journal was tampered with (run reconcile); refusing to post`,
    );
  await tx
    .insertInto("ledger_journal_heads")
    .values({
      tenant_id: book.tenantId,
      mode: book.mode,
      currency: book.currency,
      seq: 0n,
      hash: GENESIS_HASH,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "mode", "currency"]).doNothing())
    .execute();
  const created = await select();
  if (!created) throw new Error("ledger journal head vanished while being created");
  return created;
}

/** The journal's view of every ledger transaction: its header and postings with account kinds. */
export async function ledgerContents(
  db: DbOrTx,
): Promise<Map<string, Omit<JournalContent, "seq" | "backfilledAt">>> {
  const transactions = await db
    .selectFrom("ledger_transactions")
    .select([
      "id",
      "tenant_id",
      "mode",
      "currency",
      "kind",
      "reference",
      "amount",
      "card_id",
      "memo",
      "created_at",
    ])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  const postings = await db
    .selectFrom("ledger_postings as p")
    .leftJoin("ledger_accounts as a", "a.id", "p.account_id")
    .select(["p.transaction_id", "p.account_id", "p.amount", "a.kind"])
    .execute();
  const byTransaction = new Map<string, JournalPosting[]>();
  for (const p of postings) {
    const list = byTransaction.get(p.transaction_id) ?? [];
    list.push({
      account: p.account_id,
      // An account row deleted behind the ledger's back: its kind is unknown.
      accountKind: (p.kind ?? "missing") as LedgerAccountKind,
      amount: p.amount,
    });
    byTransaction.set(p.transaction_id, list);
  }
  const contents = new Map<string, Omit<JournalContent, "seq" | "backfilledAt">>();
  for (const t of transactions)
    contents.set(t.id, {
      book: { tenantId: t.tenant_id, mode: t.mode, currency: t.currency },
      transactionId: t.id,
      kind: t.kind,
      reference: t.reference,
      amount: t.amount,
      cardId: t.card_id,
      memo: t.memo,
      at: new Date(t.created_at),
      postings: byTransaction.get(t.id) ?? [],
    });
  return contents;
}

const KEY_CHECK = "cardrail-ledger-journal-key-check";

/**
 * Run once per start, before anything posts: refuses a journal key other than the one this
 * database's journal was written with (two hosts with different keys would each see the other's
 * entries as forged), and journals, once, the postings made before the journal existed. All in one
 * transaction under the state row's lock, so concurrent starts take turns and a crash leaves the
 * backfill undone, never half done.
 *
 * The backfill trusts the database as it is at that first start; entries it writes say so
 * (`backfilledAt`), and reconcile reports any written after its witness began watching.
 */
export async function prepareJournal(
  db: Db,
  signer: JournalSigner,
  now: () => Date = () => new Date(),
): Promise<{ backfilled: number }> {
  return db.transaction().execute(async (tx) => {
    const state = await tx
      .selectFrom("ledger_journal_state")
      .select(["key_check", "backfilled"])
      .forUpdate()
      .executeTakeFirst();
    if (!state)
      throw new Error("ledger_journal_state is missing its row: the database was tampered with");
    const check = signer.sign(KEY_CHECK);
    if (state.key_check === null)
      await tx.updateTable("ledger_journal_state").set({ key_check: check }).execute();
    else if (state.key_check !== check)
      throw new Error(
        "the ledger journal key (LEDGER_JOURNAL_KEY, or CARDRAIL_DATA_DIR/journal.key) is not the one this database's journal was written with: every process on one database needs the same key",
      );
    if (state.backfilled) return { backfilled: 0 };

    const backfilledAt = now();
    const heads = new Map<string, { book: JournalBook; seq: bigint; hash: string }>();
    const bookKey = (b: JournalBook) => `${b.tenantId}|${b.mode}|${b.currency}`;
    const accounts = await tx
      .selectFrom("ledger_accounts")
      .select(["tenant_id", "mode", "currency"])
      .distinct()
      .execute();
    for (const a of accounts) {
      const book = { tenantId: a.tenant_id, mode: a.mode, currency: a.currency };
      heads.set(bookKey(book), { book, seq: 0n, hash: GENESIS_HASH });
    }
    const entries: LedgerJournalTable[] = [];
    for (const content of (await ledgerContents(tx)).values()) {
      const key = bookKey(content.book);
      const head = heads.get(key) ?? { book: content.book, seq: 0n, hash: GENESIS_HASH };
      const seq = head.seq + 1n;
      const text = canonicalText({ ...content, seq, backfilledAt });
      const hash = entryHash(signer, head.hash, text);
      entries.push({
        tenant_id: content.book.tenantId,
        mode: content.book.mode,
        currency: content.book.currency,
        seq,
        transaction_id: content.transactionId,
        content: text,
        prev_hash: head.hash,
        hash,
      });
      heads.set(key, { book: content.book, seq, hash });
    }
    for (let i = 0; i < entries.length; i += 500)
      await tx
        .insertInto("ledger_journal")
        .values(entries.slice(i, i + 500))
        .execute();
    for (const { book, seq, hash } of heads.values())
      await tx
        .insertInto("ledger_journal_heads")
        .values({ tenant_id: book.tenantId, mode: book.mode, currency: book.currency, seq, hash })
        .onConflict((oc) =>
          oc.columns(["tenant_id", "mode", "currency"]).doUpdateSet({ seq, hash }),
        )
        .execute();
    await tx.updateTable("ledger_journal_state").set({ backfilled: true }).execute();
    return { backfilled: entries.length };
  });
}
