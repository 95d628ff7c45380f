import type pg from "pg";
import type { Config } from "../config.ts";
import { type EmbeddedDatabase, findRunningEmbedded, startEmbedded } from "./embedded.ts";
import { migrate } from "./migrate.ts";
import { createDb, type Db } from "./pool.ts";

export interface OpenDatabase {
  db: Db;
  pool: pg.Pool;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * DATABASE_URL → that server. Otherwise the embedded PGlite in CARDRAIL_DATA_DIR: opened here, or,
 * with `attach`, reached through the socket of the service that already has it open (the CLI).
 * Migrations run either way; they are idempotent and serialised by an advisory lock.
 */
export async function openDatabase(
  config: Pick<Config, "DATABASE_URL" | "DATABASE_POOL_SIZE" | "CARDRAIL_DATA_DIR">,
  options: { attach?: boolean; inMemory?: boolean } = {},
): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.DATABASE_URL;
  if (!url && options.attach)
    url = (await findRunningEmbedded(config.CARDRAIL_DATA_DIR)) ?? undefined;
  if (!url) {
    embedded = await startEmbedded(options.inMemory ? null : config.CARDRAIL_DATA_DIR);
    url = embedded.connectionString;
  }
  const { db, pool } = createDb(url, config.DATABASE_POOL_SIZE);
  try {
    await migrate(pool);
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
