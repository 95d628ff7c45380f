import { type Config, loadConfig, loadDotEnv } from "../config.ts";
import { openDatabase } from "../db/open.ts";
import type { Db } from "../db/pool.ts";
import { type KeyHasher, keyHasher } from "../modules/tenants/api-keys.ts";

/**
 * What a command body gets: the database and the key hasher, configured from the same environment
 * (and `.env`) as the service, so keys made here authenticate there (same CARDRAIL_KEY_PEPPER).
 */
export interface CliContext {
  config: Config;
  db: Db;
  hashKey: KeyHasher;
}

/**
 * Opens the database for one command and always closes it. With no DATABASE_URL, `attach` reaches
 * the running service's embedded PGlite through its socket (PGlite has a single owner process), or
 * opens the data folder itself when no service runs.
 */
export async function withDatabase<T>(body: (ctx: CliContext) => Promise<T>): Promise<T> {
  loadDotEnv();
  const config = loadConfig();
  const database = await openDatabase(config, { attach: true });
  try {
    return await body({ config, db: database.db, hashKey: keyHasher(config.CARDRAIL_KEY_PEPPER) });
  } finally {
    await database.close();
  }
}
