import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type pg from "pg";

const migrationsDir = fileURLToPath(new URL("./migrations/", import.meta.url));
/** Any constant; it only has to be the same in every Cardrail process. */
const MIGRATION_LOCK = 727_274_501;

/**
 * Applies src/db/migrations/*.sql in name order, each in its own transaction, once. An advisory lock
 * makes concurrent starts (several instances, or the CLI next to the service) take turns.
 */
export async function migrate(
  pool: pg.Pool,
  /** Stop after this file: lets a test build a database as an older release left it. */
  options: { through?: string } = {},
): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ version: string }>("SELECT version FROM schema_migrations")).rows.map(
        (r) => r.version,
      ),
    );
    const files = (await readdir(migrationsDir))
      .filter((f) => f.endsWith(".sql") && (!options.through || f <= options.through))
      .sort();
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(new URL(file, `file://${migrationsDir}`), "utf8");
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [file]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(file);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
