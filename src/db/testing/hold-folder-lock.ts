import { acquireFolderLock, FolderBusyError } from "../folder-lock.ts";

/**
 * Test helper process: tries once to take the data folder given as argv[2]. Prints "owner" and
 * holds the lock until killed, or prints "busy" and exits. (folder-lock.test.ts races several.)
 */
const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: hold-folder-lock.ts <dataDir>");
try {
  await acquireFolderLock(dataDir);
  process.stdout.write("owner\n");
  setInterval(() => {}, 60_000);
} catch (error) {
  if (!(error instanceof FolderBusyError)) throw error;
  process.stdout.write("busy\n");
  process.exit(0);
}
