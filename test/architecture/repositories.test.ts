import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Each table below is queried only by its repository: the files that own it. A verb, a job, the
 * CLI or the HTTP layer asks the repository (or a verb) instead of writing its own SQL, so the
 * rules about a table (its scoping, its locks, which states may follow which) have one home.
 * Queries are Kysely's (selectFrom, insertInto, updateTable, deleteFrom, joins) and raw SQL
 * (FROM, JOIN, INTO, UPDATE … in a `sql` template). Migrations are .sql files, not scanned.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));

const CARDHOLDERS_REPO = [
  "src/modules/cardholders/repo.ts",
  "src/modules/cardholders/repo-profiles.ts",
];
/** The ledger's repository: postings and balances, their journal, and the invariant checks. */
const LEDGER_REPO = [
  "src/modules/wallet/ledger.ts",
  "src/modules/wallet/journal.ts",
  "src/modules/wallet/invariants.ts",
  "src/modules/wallet/transactions.ts",
  "src/modules/wallet/card-totals.ts",
];

const OWNERS: Record<string, { owners: string[]; exceptions?: Record<string, string> }> = {
  cardholders: { owners: CARDHOLDERS_REPO },
  end_users: { owners: CARDHOLDERS_REPO },
  kyc_documents: { owners: CARDHOLDERS_REPO },
  cards: {
    owners: ["src/modules/cards/repo.ts", "src/modules/cards/repo-program.ts"],
    exceptions: {
      "src/modules/wallet/invariants.ts":
        "read-only: checks each card's ledger movements against its status in one statement over both tables, so the check sees one snapshot",
    },
  },
  ledger_accounts: { owners: LEDGER_REPO },
  ledger_transactions: { owners: LEDGER_REPO },
  ledger_postings: { owners: LEDGER_REPO },
  ledger_journal: { owners: LEDGER_REPO },
  ledger_journal_heads: { owners: LEDGER_REPO },
  ledger_journal_state: { owners: LEDGER_REPO },
  card_money_orders: {
    owners: ["src/modules/card-money/repo.ts"],
    exceptions: {
      "src/modules/wallet/invariants.ts":
        "read-only: checks each top-up's and withdrawal's ledger movements against its status in one statement, one snapshot",
    },
  },
  card_transactions: { owners: ["src/modules/transactions/repo.ts"] },
  transaction_sync: { owners: ["src/modules/transactions/sync.ts"] },
};

/** The tables of OWNERS a source text queries. */
function tablesQueried(source: string): Set<string> {
  const found = new Set<string>();
  const names = Object.keys(OWNERS).join("|");
  const builder = new RegExp(
    `\\.(?:selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin|mergeInto|replaceInto)\\(\\s*["'\`](${names})(?:\\s+as\\s+\\w+)?["'\`]`,
    "g",
  );
  const raw = new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\\s+(${names})\\b`, "g");
  for (const pattern of [builder, raw]) {
    for (const match of source.matchAll(pattern)) found.add(match[1] as string);
  }
  return found;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** "file queries table" for every query outside the table's repository and its listed exceptions. */
async function strayQueries(): Promise<string[]> {
  const stray: string[] = [];
  for (const file of await sourceFiles(join(root, "src"))) {
    const path = relative(root, file).split("\\").join("/");
    // Test support under src/ is not production code (the layers rules say the same).
    if (/\/testing\/|\/testing\.ts$|\/testkit\.ts$/.test(path)) continue;
    for (const table of tablesQueried(await readFile(file, "utf8"))) {
      const rule = OWNERS[table];
      if (!rule || rule.owners.includes(path) || rule.exceptions?.[path]) continue;
      stray.push(`${path} queries ${table}`);
    }
  }
  return stray.sort();
}

describe("the repositories of src/", () => {
  it("are the only files that query their tables", async () => {
    expect(await strayQueries()).toEqual([]);
  });

  it("recognise a query however it is written", () => {
    expect(tablesQueried(`db.selectFrom("cards").selectAll()`)).toEqual(new Set(["cards"]));
    expect(tablesQueried(`tx.updateTable('cardholders').set({})`)).toEqual(
      new Set(["cardholders"]),
    );
    expect(tablesQueried(`q.innerJoin("cards as c", "c.id", "a.card_id")`)).toEqual(
      new Set(["cards"]),
    );
    expect(tablesQueried("sql`SELECT 1 FROM ledger_postings p JOIN end_users u`")).toEqual(
      new Set(["ledger_postings", "end_users"]),
    );
    expect(tablesQueried("sql`INSERT INTO kyc_documents (id) VALUES (1)`")).toEqual(
      new Set(["kyc_documents"]),
    );
    // Words in prose and other tables are not queries.
    expect(tablesQueried(`// cards move from creating to pending; FROM cards_in_flight`)).toEqual(
      new Set(),
    );
    expect(tablesQueried(`db.selectFrom("card_products")`)).toEqual(new Set());
  });
});
