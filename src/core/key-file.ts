import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * A 32-byte secret kept outside the database: the configured value (base64) when given, else the
 * file `fileName` in the data folder, generated once (owner-only). Every key Cardrail keeps beside
 * its data is loaded this way.
 */
export async function loadOrCreateKey(
  configured: string | undefined,
  dataDir: string,
  fileName: string,
): Promise<Buffer> {
  if (configured) return Buffer.from(configured, "base64");
  const path = join(resolve(dataDir), fileName);
  try {
    const existing = Buffer.from((await readFile(path, "utf8")).trim(), "base64");
    if (existing.length === 32) return existing;
    throw new Error(`${path} does not hold a 32-byte base64 key`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  await mkdir(resolve(dataDir), { recursive: true });
  // Written whole under a private name, then linked into place: link() fails if another process
  // created the key a moment ago (theirs wins, never overwritten), and no reader ever sees a
  // half-written file (which writeFile with "wx" allowed: a racing start read an empty key).
  const staging = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(staging, key.toString("base64"), { mode: 0o600, flag: "wx" });
  try {
    await link(staging, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(staging).catch(() => {});
  }
  const stored = Buffer.from((await readFile(path, "utf8")).trim(), "base64");
  if (stored.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
  return stored;
}
