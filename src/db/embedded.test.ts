import { chown, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../test/fixtures/database.ts";
import { listeningTcpPorts } from "../../test/fixtures/listeners.ts";
import { CardrailError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { fundWallet } from "../modules/wallet/funding.ts";
import { type Book, post, walletBalances } from "../modules/wallet/ledger.ts";
import { type OpenDatabase, openDatabase } from "../open-database.ts";

/**
 * The database the service runs on: on the embedded default, PGlite's single session is shared
 * by taking turns (a transaction holds it until it ends), nothing listens on a port, and the data
 * folder is private. The money tests also run on PostgreSQL (DATABASE_URL).
 */

let database: OpenDatabase;
let drop: () => Promise<void>;
let scratch: string;

beforeAll(async () => {
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  database = await openDatabase(
    { DATABASE_URL: fresh.url, DATABASE_POOL_SIZE: 10, CARDRAIL_DATA_DIR: "unused" },
    { inMemory: !fresh.url },
  );
  scratch = await mkdtemp(join(tmpdir(), "cardrail-embedded-"));
});
afterAll(async () => {
  await database?.close();
  await drop?.();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function newBook(): Promise<Book> {
  const tenantId = newId("ten");
  await database.db.insertInto("tenants").values({ id: tenantId, name: "turns" }).execute();
  return { tenantId, mode: "test", currency: "USD" };
}

describe("sharing the database", () => {
  it("60 concurrent debits of 1.00 against a wallet of 50.00: exactly 50 pass and the wallet ends at 0", async () => {
    const book = await newBook();
    await fundWallet(database.db, { ...book, amountMinor: 5000n, reference: "funding:turns" });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        database.db.transaction().execute(async (tx) => {
          // Read, think, write: interleaved sessions would both see the same balance.
          await walletBalances(tx, book.tenantId, "test");
          return post(tx, book, { kind: "card_debit", amount: 100n, reference: `turns:${i}` });
        }),
      ),
    );
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(50);
    for (const o of refused) {
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(CardrailError);
      expect(((o as PromiseRejectedResult).reason as CardrailError).code).toBe(
        "insufficient_balance",
      );
    }
    expect(await walletBalances(database.db, book.tenantId, "test")).toEqual([
      { currency: "USD", mode: "test", balance: 0n },
    ]);
  });

  it("a query from another caller never runs inside someone else's open transaction", async () => {
    const book = await newBook();
    let reachedInsert!: () => void;
    const inserted = new Promise<void>((resolve) => {
      reachedInsert = resolve;
    });
    let finish!: () => void;
    const release = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const transaction = database.db
      .transaction()
      .execute(async (tx) => {
        await tx
          .insertInto("tenants")
          .values({ id: `${book.tenantId}_x`, name: "tx" })
          .execute();
        reachedInsert();
        await release;
        throw new Error("roll back");
      })
      .catch((error: Error) => error.message);
    await inserted;
    // Issued while the transaction is open and holds an uncommitted row. On one shared session
    // without turns it would run inside that transaction and count the row (1).
    const count = sql<{
      n: bigint;
    }>`SELECT count(*) AS n FROM tenants WHERE id = ${`${book.tenantId}_x`}`
      .execute(database.db)
      .then((r) => r.rows[0]?.n);
    finish();
    expect(await transaction).toBe("roll back");
    expect(await count).toBe(0n);
  });
});

describe("the embedded data folder", () => {
  const embedded = (dataDir: string) =>
    openDatabase({ DATABASE_POOL_SIZE: 1, CARDRAIL_DATA_DIR: dataDir });

  it("opens PGlite without listening on any TCP port", async () => {
    const before = await listeningTcpPorts();
    const opened = await embedded(join(scratch, "no-port"));
    try {
      await sql`SELECT 1`.execute(opened.db);
      expect(await listeningTcpPorts()).toEqual(before);
    } finally {
      await opened.close();
    }
  });

  it("is refused to a second opener while open, and free again once closed", async () => {
    const dataDir = join(scratch, "owned");
    const first = await embedded(dataDir);
    try {
      await expect(
        openDatabase({ DATABASE_POOL_SIZE: 1, CARDRAIL_DATA_DIR: dataDir }, { lockWaitMs: 0 }),
      ).rejects.toThrow(/in use by another Cardrail process/);
      await sql`SELECT 1`.execute(first.db); // the refused opener did not disturb the owner
    } finally {
      await first.close();
    }
    const second = await embedded(dataDir);
    await second.close();
  });

  // chown needs root (CI runs as root); elsewhere there is no second user to hand a folder to.
  it.runIf(process.getuid?.() === 0)(
    "refuses a folder, or a file in it, that another user owns (planted under /tmp, say)",
    async () => {
      const nobody = 65534;
      const theirs = join(scratch, "theirs");
      await mkdir(theirs, { mode: 0o777 });
      await chown(theirs, nobody, nobody);
      await expect(embedded(theirs)).rejects.toThrow(/belongs to uid 65534/);

      const ours = join(scratch, "planted");
      await mkdir(ours, { mode: 0o700 });
      await writeFile(join(ours, "lock.id"), "0123456789abcdef0123456789abcdef");
      await chown(join(ours, "lock.id"), nobody, nobody);
      await expect(embedded(ours)).rejects.toThrow(/lock.id belongs to uid 65534/);
    },
  );

  it("keeps every folder 0700 and every file 0600 (an older install's too) under umask 022", async () => {
    const dataDir = join(scratch, "private");
    const previous = process.umask(0o022);
    try {
      // An older install: created under the usual umask, world-readable.
      await mkdir(join(dataDir, "documents", "ten_old"), { recursive: true, mode: 0o755 });
      await writeFile(join(dataDir, "documents", "ten_old", "doc"), "sealed", { mode: 0o644 });
      await writeFile(join(dataDir, "simulator-state.json"), "{}", { mode: 0o644 });
      const opened = await embedded(dataDir);
      await fundWallet(opened.db, {
        ...(await (async () => {
          const tenantId = newId("ten");
          await opened.db.insertInto("tenants").values({ id: tenantId, name: "p" }).execute();
          return { tenantId, mode: "test" as const, currency: "USD" };
        })()),
        amountMinor: 100n,
      });
      await opened.close();
    } finally {
      process.umask(previous);
    }
    const loose: string[] = [];
    let files = 0;
    const walk = async (dir: string) => {
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        const info = await lstat(path);
        const mode = info.mode & 0o777;
        if (info.isDirectory()) {
          if (mode !== 0o700) loose.push(`${path} ${mode.toString(8)}`);
          await walk(path);
        } else {
          files++;
          if (mode !== 0o600) loose.push(`${path} ${mode.toString(8)}`);
        }
      }
    };
    expect(((await lstat(dataDir)).mode & 0o777).toString(8)).toBe("700");
    await walk(dataDir);
    expect(files).toBeGreaterThan(100); // the whole pgdata tree was checked, not an empty folder
    expect(loose).toEqual([]);
  });
});
