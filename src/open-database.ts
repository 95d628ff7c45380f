import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { Config } from "./config.ts";
import { loadOrCreateKey } from "./core/key-file.ts";
import { type EmbeddedDatabase, type EmbeddedOptions, openEmbedded } from "./db/embedded.ts";
import { JournalSigner, withJournalSigner } from "./db/journal-signer.ts";
import { migrate } from "./db/migrate.ts";
import { createDb, type Db, dbOnPool } from "./db/pool.ts";
import { keyFromPepper } from "./modules/tenants/api-keys.ts";
import { prepareJournal } from "./modules/wallet/journal.ts";

export interface OpenDatabase {
  db: Db;
  pool: pg.Pool;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * DATABASE_URL → that server. Otherwise the embedded PGlite in CARDRAIL_DATA_DIR, opened in this
 * process, which then owns the folder (see db/embedded.ts; `options.lock` when the caller took it).
 * Migrations run either way; they are idempotent and serialised by an advisory lock. The handle
 * carries the ledger journal's key (LEDGER_JOURNAL_KEY or CARDRAIL_DATA_DIR/journal.key), which
 * every posting signs its journal entry with; the database never sees it.
 *
 * Wiring, not src/db/: it prepares the ledger module's journal, and src/db sits below the modules.
 */
/**
 * The journal's key: LEDGER_JOURNAL_KEY when set. Otherwise, on PostgreSQL, derived from
 * CARDRAIL_KEY_PEPPER, which every process sharing the database must already share (or their API
 * keys would not authenticate on each other): N processes need no extra setting. On the embedded
 * database (one process) a key file in the data folder; an in-memory database, which dies with
 * the process, gets a key that does too (writing a file for it would leave a key behind wherever
 * CARDRAIL_DATA_DIR happened to point).
 */
async function journalKey(
  config: Pick<
    Config,
    "DATABASE_URL" | "CARDRAIL_DATA_DIR" | "LEDGER_JOURNAL_KEY" | "CARDRAIL_KEY_PEPPER"
  >,
  inMemory: boolean,
): Promise<Buffer> {
  if (!config.LEDGER_JOURNAL_KEY && config.DATABASE_URL) {
    return keyFromPepper(config.CARDRAIL_KEY_PEPPER, "cardrail ledger journal");
  }
  if (!config.LEDGER_JOURNAL_KEY && inMemory) return randomBytes(32);
  return loadOrCreateKey(config.LEDGER_JOURNAL_KEY, config.CARDRAIL_DATA_DIR, "journal.key");
}

export async function openDatabase(
  config: Pick<
    Config,
    | "DATABASE_URL"
    | "DATABASE_POOL_SIZE"
    | "CARDRAIL_DATA_DIR"
    | "LEDGER_JOURNAL_KEY"
    | "CARDRAIL_KEY_PEPPER"
  >,
  options: { inMemory?: boolean } & EmbeddedOptions = {},
): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let plain: Db;
  let pool: pg.Pool;
  if (config.DATABASE_URL) {
    ({ db: plain, pool } = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE));
  } else {
    embedded = await openEmbedded(options.inMemory ? null : config.CARDRAIL_DATA_DIR, options);
    pool = embedded.pool;
    plain = dbOnPool(pool);
  }
  let db = plain;
  try {
    await migrate(pool);
    const signer = new JournalSigner(
      await journalKey(config, !config.DATABASE_URL && options.inMemory === true),
    );
    db = withJournalSigner(plain, signer);
    await prepareJournal(db, signer);
    await embedded?.tighten();
  } catch (error) {
    await db.destroy();
    await embedded?.close();
    throw error;
  }
  return {
    db,
    pool,
    embedded: embedded !== null,
    async close() {
      await db.destroy();
      await embedded?.close();
    },
  };
}
