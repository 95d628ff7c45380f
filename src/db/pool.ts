import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { Database } from "./schema.ts";

// int8 (money in minor units, counts) as bigint, never as a lossy JS number or a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => BigInt(value));
// `date` columns stay "YYYY-MM-DD" strings: a Date would drag a time zone into a calendar date.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or a transaction already open on it: core verbs accept both. */
export type DbOrTx = Db | Tx;

/** Kysely over a `pg` pool: a PostgreSQL server's, or the embedded PGlite's (embedded.ts). */
export function dbOnPool(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export function createDb(connectionString: string, poolSize: number): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return { db: dbOnPool(pool), pool };
}
