import type pg from "pg";
import type { Config } from "../config.ts";
import { type EmbeddedDatabase, type EmbeddedOptions, openEmbedded } from "./embedded.ts";
import { migrate } from "./migrate.ts";
import { createDb, type Db, dbOnPool } from "./pool.ts";

export interface OpenDatabase {
  db: Db;
  pool: pg.Pool;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * DATABASE_URL → that server. Otherwise the embedded PGlite in CARDRAIL_DATA_DIR, opened in this
 * process, which then owns the folder (see embedded.ts; `options.lock` when the caller took it).
 * Migrations run either way; they are idempotent and serialised by an advisory lock.
 */
export async function openDatabase(
  config: Pick<Config, "DATABASE_URL" | "DATABASE_POOL_SIZE" | "CARDRAIL_DATA_DIR">,
  options: { inMemory?: boolean } & EmbeddedOptions = {},
): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let db: Db;
  let pool: pg.Pool;
  if (config.DATABASE_URL) {
    ({ db, pool } = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE));
  } else {
    embedded = await openEmbedded(options.inMemory ? null : config.CARDRAIL_DATA_DIR, options);
    pool = embedded.pool;
    db = dbOnPool(pool);
  }
  try {
    await migrate(pool);
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
