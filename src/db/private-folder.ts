import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * The data folder holds the database (cardholders' personal data, key hashes, the WAL), the
 * documents key and the operator token: it is private to the service's user. One mechanism for
 * all of it: the folder is created 0700, and on every start an existing tree (older installs, a
 * copy restored under another umask) is tightened to 0700 for folders and 0600 for files.
 * Symbolic links are left alone: following one could chmod a file outside the folder.
 */

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** This process's user, where the platform has one (POSIX). */
const uid = typeof process.getuid === "function" ? process.getuid() : undefined;

/**
 * Refuses an entry another user owns: in a folder someone else created (say under /tmp) that
 * user could have planted a key, a lock name or a socket, or could rename ours away later.
 */
function assertOwned(path: string, owner: number): void {
  if (uid !== undefined && owner !== uid) {
    throw new Error(
      `${path} belongs to uid ${owner}, not to this process's user (uid ${uid}): refusing to keep data there. Use a CARDRAIL_DATA_DIR that this user created`,
    );
  }
}

/** Creates `dir` (and missing parents) owner-only; an existing `dir` is made owner-only too. */
export async function ensurePrivateFolder(dir: string): Promise<string> {
  const path = resolve(dir);
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  const info = await lstat(path);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new Error(`${path} is not a plain folder: refusing to keep data there`);
  }
  assertOwned(path, info.uid);
  await chmod(path, PRIVATE_DIR_MODE);
  return path;
}

/** Makes every folder under `dir` 0700 and every other entry 0600 (the folder itself included). */
export async function tightenFolder(dir: string): Promise<void> {
  const root = await ensurePrivateFolder(dir);
  const pending = [root];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    for (const name of await readdir(folder)) {
      const path = join(folder, name);
      const info = await lstat(path).catch(() => null); // removed meanwhile: nothing to tighten
      if (!info) continue;
      assertOwned(path, info.uid);
      if (info.isSymbolicLink()) continue;
      if (info.isDirectory()) {
        if ((info.mode & 0o777) !== PRIVATE_DIR_MODE) await chmod(path, PRIVATE_DIR_MODE);
        pending.push(path);
      } else if ((info.mode & 0o777) !== PRIVATE_FILE_MODE) {
        await chmod(path, PRIVATE_FILE_MODE);
      }
    }
  }
}
