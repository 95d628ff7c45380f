import { journalSignerOf } from "../../db/journal-signer.ts";
import type { Db } from "../../db/pool.ts";
import { entryHash, GENESIS_HASH, type JournalContent, parseCanonical } from "../wallet/journal.ts";
import { journalSnapshot } from "../wallet/ledger.ts";
import type { WitnessMarks } from "./witness-file.ts";

/**
 * Checks the ledger against its journal (src/modules/wallet/journal.ts), the witness a local
 * attacker with only database access cannot forge: every entry's HMAC, every chain's links and
 * sequence, every ledger transaction against its entry, every balance against its journaled
 * postings, and every chain against the high-water marks kept outside the database
 * (witness-file.ts), so cutting a chain's tail is seen too. Reports; never fixes.
 */

export type JournalProblemKind =
  | "inserted"
  | "altered"
  | "deleted"
  | "forged"
  | "truncated"
  | "balance"
  | "late backfill";

export interface JournalProblem {
  problem: JournalProblemKind;
  subject: string;
  detail: string;
}

export interface JournalVerification {
  problems: JournalProblem[];
  entries: number;
  /** The last entry of every chain that verified clean: the new high-water marks. */
  cleanHeads: Map<string, { seq: bigint; hash: string }>;
}

export const chainName = (b: { tenantId: string; mode: string; currency: string }) =>
  `${b.tenantId}/${b.mode}/${b.currency}`;

const legs = (c: Pick<JournalContent, "postings">) =>
  c.postings
    .map((p) => `${p.account} ${p.amount}`)
    .sort()
    .join(", ");

const describe = (c: Pick<JournalContent, "kind" | "amount" | "reference">) =>
  `${c.kind} of ${c.amount} (minor units), reference ${c.reference}`;

export async function verifyJournal(
  db: Db,
  marks: WitnessMarks | null,
): Promise<JournalVerification> {
  const signer = journalSignerOf(db);
  const { entries, heads, ledger, accounts } = await journalSnapshot(db);

  const problems: JournalProblem[] = [];
  const dirty = new Set<string>();
  const report = (
    chain: string | null,
    problem: JournalProblemKind,
    subject: string,
    detail: string,
  ) => {
    problems.push({ problem, subject, detail });
    if (chain) dirty.add(chain);
  };

  // 1. Every chain: contiguous sequence from 1, each entry linked to the previous, each signed.
  const journaled = new Map<string, JournalContent>();
  const unverifiable = new Set<string>();
  const lastOf = new Map<string, { seq: bigint; hash: string }>();
  const entryAt = new Map<string, { hash: string; content: JournalContent | null }>();
  for (const e of entries) {
    const chain = chainName({ tenantId: e.tenant_id, mode: e.mode, currency: e.currency });
    const last = lastOf.get(chain) ?? { seq: 0n, hash: GENESIS_HASH };
    const subject = `${chain}#${e.seq}`;
    if (e.seq !== last.seq + 1n)
      report(
        chain,
        "deleted",
        subject,
        `journal entries ${last.seq + 1n}..${e.seq - 1n} are missing`,
      );
    else if (e.prev_hash !== last.hash)
      report(chain, "forged", subject, "does not link to the entry before it");
    lastOf.set(chain, { seq: e.seq, hash: e.hash });
    let content: JournalContent | null = null;
    if (entryHash(signer, e.prev_hash, e.content) !== e.hash) {
      report(
        chain,
        "forged",
        subject,
        "its signature does not match: altered or written without the journal key",
      );
    } else {
      content = parseCanonical(e.content);
      if (
        chainName(content.book) !== chain ||
        content.seq !== e.seq ||
        content.transactionId !== e.transaction_id
      ) {
        report(chain, "forged", subject, "a signed entry moved to another place in the journal");
        content = null;
      }
    }
    entryAt.set(subject, { hash: e.hash, content });
    if (content) journaled.set(content.transactionId, content);
    else unverifiable.add(e.transaction_id);
  }
  for (const head of heads) {
    const chain = chainName({ tenantId: head.tenant_id, mode: head.mode, currency: head.currency });
    const last = lastOf.get(chain) ?? { seq: 0n, hash: GENESIS_HASH };
    if (head.seq > last.seq)
      report(
        chain,
        "deleted",
        chain,
        `the chain's head is at entry ${head.seq} but its last entry is ${last.seq}: entries ${last.seq + 1n}..${head.seq} were removed`,
      );
    else if (head.seq !== last.seq || head.hash !== last.hash)
      report(
        chain,
        "forged",
        chain,
        `the chain's head (entry ${head.seq}) does not match its last entry (${last.seq})`,
      );
  }
  for (const chain of lastOf.keys())
    if (
      !heads.some(
        (h) => chainName({ tenantId: h.tenant_id, mode: h.mode, currency: h.currency }) === chain,
      )
    )
      report(chain, "deleted", chain, "the chain's head row is missing");

  // 2. Every ledger transaction is journaled, as it is now; every journaled one is in the ledger.
  for (const [id, now] of ledger) {
    const chain = chainName(now.book);
    const then = journaled.get(id);
    if (!then) {
      if (!unverifiable.has(id))
        report(
          chain,
          "inserted",
          id,
          `${describe(now)} is not in the journal: written behind the ledger's back`,
        );
      continue;
    }
    const differs: string[] = [];
    if (chainName(then.book) !== chain) differs.push(`book ${chainName(then.book)} → ${chain}`);
    if (then.kind !== now.kind) differs.push(`kind ${then.kind} → ${now.kind}`);
    if (then.reference !== now.reference)
      differs.push(`reference ${then.reference} → ${now.reference}`);
    if (then.amount !== now.amount) differs.push(`amount ${then.amount} → ${now.amount}`);
    if (then.cardId !== now.cardId) differs.push(`card ${then.cardId} → ${now.cardId}`);
    if (then.memo !== now.memo) differs.push("memo");
    if (then.at.getTime() !== now.at.getTime())
      differs.push(`time ${then.at.toISOString()} → ${now.at.toISOString()}`);
    if (legs(then) !== legs(now)) differs.push(`postings ${legs(then)} → ${legs(now)}`);
    if (differs.length > 0)
      report(chain, "altered", id, `${describe(then)} was changed: ${differs.join("; ")}`);
  }
  for (const [id, then] of journaled)
    if (!ledger.has(id))
      report(
        chainName(then.book),
        "deleted",
        id,
        `${describe(then)} (journal entry ${then.seq}) is missing from the ledger`,
      );

  // 3. Every balance is the sum of its journaled postings; every account is what was journaled.
  const sums = new Map<string, bigint>();
  const journaledAccount = new Map<string, { chain: string; kind: string }>();
  for (const c of journaled.values())
    for (const p of c.postings) {
      sums.set(p.account, (sums.get(p.account) ?? 0n) + p.amount);
      journaledAccount.set(p.account, { chain: chainName(c.book), kind: p.accountKind });
    }
  for (const a of accounts) {
    const chain = chainName({ tenantId: a.tenant_id, mode: a.mode, currency: a.currency });
    const sum = sums.get(a.id) ?? 0n;
    if (a.balance !== sum)
      report(
        chain,
        "balance",
        a.id,
        `${a.kind} balance ${a.balance} but its journaled postings sum to ${sum}`,
      );
    const was = journaledAccount.get(a.id);
    if (was && (was.chain !== chain || was.kind !== a.kind))
      report(
        chain,
        "altered",
        a.id,
        `account was journaled as ${was.chain} ${was.kind}, is now ${chain} ${a.kind}`,
      );
    journaledAccount.delete(a.id);
  }
  for (const [id, was] of journaledAccount)
    report(was.chain, "deleted", id, `${was.kind} account with journaled postings is missing`);

  // 4. The high-water marks kept outside the database: every chain still reaches them.
  if (marks) {
    for (const [chain, mark] of Object.entries(marks.chains)) {
      const seen = entryAt.get(`${chain}#${mark.seq}`);
      const now = lastOf.get(chain)?.seq ?? 0n;
      if (!seen)
        report(
          chain,
          "truncated",
          chain,
          `the witness saw ${mark.seq} entries on this chain, the journal now has ${now}: its tail was removed`,
        );
      else if (seen.hash !== mark.hash)
        report(
          chain,
          "forged",
          `${chain}#${mark.seq}`,
          "differs from the entry the witness saw: the chain was rewritten",
        );
    }
    const since = new Date(marks.since);
    for (const c of journaled.values())
      if (c.backfilledAt && c.backfilledAt > since)
        report(
          chainName(c.book),
          "late backfill",
          c.transactionId,
          `${describe(c)} was journaled by a backfill at ${c.backfilledAt.toISOString()}, after the witness began watching (${marks.since}): it did not go through the ledger`,
        );
  }

  const cleanHeads = new Map<string, { seq: bigint; hash: string }>();
  for (const [chain, last] of lastOf) if (!dirty.has(chain)) cleanHeads.set(chain, last);
  return { problems, entries: entries.length, cleanHeads };
}
