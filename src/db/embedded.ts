import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import pg from "pg";
import { acquireFolderLock, FolderBusyError, type FolderLock } from "./folder-lock.ts";
import { tightenFolder } from "./private-folder.ts";

/**
 * The embedded default: PGlite (Postgres compiled to WASM) running IN this process, with its data
 * in a local folder. Nothing listens: no TCP port, no socket a local user could connect to.
 *
 * The app still talks to it through `pg` (PGlite's own node-postgres connection, which hands the
 * protocol messages straight to the in-process backend), so SQL, type parsing, errors and
 * migrations are the same code as with PostgreSQL. PGlite has ONE session, hence a pool of one:
 * a transaction keeps the session until its COMMIT/ROLLBACK and every other query waits its turn
 * in the pool's queue (a query can never land inside someone else's transaction).
 *
 * The folder has one owner (folder-lock.ts), taken before PGlite touches it. Other local programs
 * reach the database through the owner (the CLI's operator channel), never directly.
 */

export interface EmbeddedDatabase {
  pool: pg.Pool;
  /**
   * Makes the data folder's files owner-only again. The umask covers what PGlite creates, except
   * the files its WASM file system chmods itself (the initdb copy, pg_internal.init at 0644 and
   * 0666): run at open, after migrations and at close. In between, the 0700 folder keeps them out
   * of reach.
   */
  tighten(): Promise<void>;
  close(): Promise<void>;
}

/** How long a starting service waits for a short-lived owner (a CLI command) before refusing. */
export const OWNER_WAIT_MS = 10_000;

export interface EmbeddedOptions {
  /** A lock the caller already holds on `dataDir` (kept when the database closes). */
  lock?: FolderLock;
  /** How long to wait for the folder when another process owns it (default OWNER_WAIT_MS). */
  lockWaitMs?: number;
}

/** Opens PGlite in `dataDir` (in memory when null), owning the folder for as long as it is open. */
export async function openEmbedded(
  dataDir: string | null,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  let lock: FolderLock | null = null;
  const ownsLock = !options.lock;
  let pglite: PGlite;
  if (dataDir) {
    // Everything this process creates from now on (WAL, documents, state) is owner-only.
    process.umask(0o077);
    try {
      lock =
        options.lock ??
        (await acquireFolderLock(dataDir, { waitMs: options.lockWaitMs ?? OWNER_WAIT_MS }));
    } catch (error) {
      if (!(error instanceof FolderBusyError)) throw error;
      throw new Error(
        `${error.message} (a running service or CLI command); stop it, or use another CARDRAIL_DATA_DIR`,
        { cause: error },
      );
    }
    try {
      await tightenFolder(lock.dataDir); // an older install's, or a copy restored under umask 022
      pglite = new PGlite(join(lock.dataDir, "pgdata"));
      await pglite.waitReady;
      await tightenFolder(lock.dataDir);
    } catch (error) {
      if (ownsLock) await lock.release();
      throw error;
    }
  } else {
    pglite = new PGlite();
    await pglite.waitReady;
  }
  const pool = new pg.Pool({ ...(createPgConfig(pglite) as pg.PoolConfig), max: 1 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  const tighten = async () => {
    if (lock) await tightenFolder(lock.dataDir);
  };
  return {
    pool,
    tighten,
    async close() {
      // Kysely's destroy() usually ended the pool already.
      if (!pool.ended) await pool.end();
      await pglite.close();
      await tighten();
      if (ownsLock) await lock?.release();
    },
  };
}
