import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { SafeQueryQueue } from "./pglite-query-queue.ts";

/**
 * The embedded default: PGlite (Postgres compiled to WASM) with its data in a local folder, served
 * on a loopback socket so the app uses the same `pg` driver, SQL and migrations as with a real
 * server. PGlite runs one query at a time; the socket server queues them and keeps a protocol
 * batch or an open transaction on the connection that began it, so a pool behaves as with
 * Postgres (serialised).
 *
 * PGlite must be opened by one process only. The owner writes `cardrail.lock` in the data folder
 * with its pid and socket port; another process (the operator CLI) connects through that socket.
 */

export interface EmbeddedDatabase {
  connectionString: string;
  close(): Promise<void>;
}

interface LockFile {
  pid: number;
  port: number;
}

const lockPath = (dataDir: string) => join(resolve(dataDir), "cardrail.lock");

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running owner's socket, if another live process has the data folder open. */
export async function findRunningEmbedded(dataDir: string): Promise<string | null> {
  try {
    const lock = JSON.parse(await readFile(lockPath(dataDir), "utf8")) as LockFile;
    if (lock.pid !== process.pid && isAlive(lock.pid)) {
      return `postgres://postgres@127.0.0.1:${lock.port}/postgres`;
    }
  } catch {
    // No lock, or an unreadable one: nobody owns the folder.
  }
  return null;
}

/** Opens PGlite in `dataDir` (or in memory when null) and serves it on 127.0.0.1:<random port>. */
export async function startEmbedded(dataDir: string | null): Promise<EmbeddedDatabase> {
  if (dataDir) {
    const running = await findRunningEmbedded(dataDir);
    if (running) {
      throw new Error(
        `the database in ${resolve(dataDir)} is open in another Cardrail process; stop it or use a different CARDRAIL_DATA_DIR`,
      );
    }
    await mkdir(resolve(dataDir), { recursive: true });
  }
  const pglite = dataDir ? new PGlite(join(resolve(dataDir), "pgdata")) : new PGlite();
  await pglite.waitReady;
  const server = new PGLiteSocketServer({
    db: pglite,
    host: "127.0.0.1",
    port: 0,
    maxConnections: 200,
  });
  // See pglite-query-queue.ts: the shipped queue interleaves connections' protocol batches.
  (server as unknown as { queryQueue: SafeQueryQueue }).queryQueue = new SafeQueryQueue(pglite);
  let port = 0;
  server.addEventListener("listening", (event) => {
    port = (event as CustomEvent<{ port: number }>).detail.port;
  });
  await server.start();
  if (dataDir) {
    await writeFile(
      lockPath(dataDir),
      JSON.stringify({ pid: process.pid, port } satisfies LockFile),
      {
        mode: 0o600,
      },
    );
  }
  return {
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await pglite.close();
      if (dataDir) await rm(lockPath(dataDir), { force: true });
    },
  };
}
