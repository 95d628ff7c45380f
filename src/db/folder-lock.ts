import { randomBytes } from "node:crypto";
import { link, readFile, rm, unlink, writeFile } from "node:fs/promises";
import net from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensurePrivateFolder, PRIVATE_FILE_MODE } from "./private-folder.ts";

/**
 * One owner per data folder. PGlite is a single Postgres backend writing files directly: two
 * processes opening one folder lose committed data and then corrupt it. The lock is taken BEFORE
 * the folder is opened, is released only by its owner, and dies with it.
 *
 * Linux: the lock is an abstract-namespace Unix socket ("\0cardrail-<id>") bound by the owner.
 * bind() is atomic and exclusive, and the kernel frees the name when the process dies, even by
 * SIGKILL, so there is no stale lock to clean up and nothing a non-owner could delete. The <id> is
 * random, kept in `lock.id` (0600) inside the folder, so only the folder's user can learn the name
 * (and squat it). Limit: abstract names are per network namespace; containers sharing a volume
 * must share the network namespace too (or use DATABASE_URL).
 *
 * Elsewhere (macOS, Windows): `cardrail.lock` created with O_EXCL holding the owner's pid and a
 * random token. Weaker: a lock left by a killed owner is taken over when its pid is dead, and
 * that check-then-remove can race with a third starter; pid reuse can keep a stale lock alive.
 */

export interface FolderLock {
  readonly dataDir: string;
  /** Idempotent; frees the lock for the next owner. */
  release(): Promise<void>;
}

export class FolderBusyError extends Error {
  override readonly name = "FolderBusyError";
  constructor(readonly dataDir: string) {
    super(`the data folder ${dataDir} is in use by another Cardrail process`);
  }
}

export interface LockOptions {
  /** How long to keep trying while another process owns the folder (0: one attempt). */
  waitMs?: number;
  pollMs?: number;
}

const ID_FILE = "lock.id";
const PID_FILE = "cardrail.lock";
const ID_PATTERN = /^[0-9a-f]{32}$/;

export async function acquireFolderLock(
  dataDir: string,
  options: LockOptions = {},
): Promise<FolderLock> {
  const root = await ensurePrivateFolder(dataDir);
  const attempt = process.platform === "linux" ? await socketAttempt(root) : pidFileAttempt(root);
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    const lock = await attempt();
    if (lock) return lock;
    if (Date.now() >= deadline) throw new FolderBusyError(root);
    await sleep(options.pollMs ?? 100);
  }
}

/** The folder's random lock id, created once. link() publishes it whole or not at all. */
async function lockId(root: string): Promise<string> {
  const path = join(root, ID_FILE);
  try {
    await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temp, randomBytes(16).toString("hex"), { mode: PRIVATE_FILE_MODE });
    await link(temp, path).catch((linkError: NodeJS.ErrnoException) => {
      if (linkError.code !== "EEXIST") throw linkError; // another starter published first: use theirs
    });
    await unlink(temp);
  }
  const id = (await readFile(path, "utf8")).trim();
  if (!ID_PATTERN.test(id)) {
    throw new Error(`${path} is not a Cardrail lock id; remove it while no Cardrail process runs`);
  }
  return id;
}

async function socketAttempt(root: string): Promise<() => Promise<FolderLock | null>> {
  const name = `\0cardrail-${await lockId(root)}`;
  return async () => {
    const server = net.createServer((socket) => socket.destroy());
    const bound = await new Promise<boolean>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        error.code === "EADDRINUSE" ? resolve(false) : reject(error),
      );
      server.listen({ path: name }, () => resolve(true));
    });
    if (!bound) return null;
    // The lock must not keep a finished CLI alive; it lives as long as the process does.
    server.unref();
    let released = false;
    return {
      dataDir: root,
      async release() {
        if (released) return;
        released = true;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function pidFileAttempt(root: string): () => Promise<FolderLock | null> {
  const path = join(root, PID_FILE);
  return async () => {
    const token = randomBytes(16).toString("hex");
    const content = JSON.stringify({ pid: process.pid, token });
    try {
      await writeFile(path, content, { mode: PRIVATE_FILE_MODE, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const held = await readFile(path, "utf8").catch(() => "");
      let pid = 0;
      try {
        pid = Number((JSON.parse(held) as { pid?: number }).pid) || 0;
      } catch {
        // Half-written by a starter right now, or garbage: treat as held; retried after pollMs.
        return null;
      }
      if (pid > 0 && isAlive(pid)) return null;
      // The owner died without releasing: remove its lock only if it is still that same lock.
      if ((await readFile(path, "utf8").catch(() => "")) === held) await rm(path, { force: true });
      return null;
    }
    let released = false;
    return {
      dataDir: root,
      async release() {
        if (released) return;
        released = true;
        // Never delete a lock we do not own (e.g. one a successor wrote after a takeover).
        if ((await readFile(path, "utf8").catch(() => "")) === content)
          await rm(path, { force: true });
      },
    };
  };
}
