import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * The documents' encryption key: DOCUMENTS_ENCRYPTION_KEY (32 bytes, base64) when configured —
 * required wherever several instances share documents. Otherwise a key generated once and kept
 * beside the data (owner-only file), which suits the single-host embedded setup.
 */
export async function loadDocumentsKey(
  configured: string | undefined,
  dataDir: string,
): Promise<Buffer> {
  if (configured) return Buffer.from(configured, "base64");
  const path = join(resolve(dataDir), "documents.key");
  try {
    const existing = Buffer.from((await readFile(path, "utf8")).trim(), "base64");
    if (existing.length === 32) return existing;
    throw new Error(`${path} does not hold a 32-byte base64 key`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  await mkdir(resolve(dataDir), { recursive: true });
  // "wx": if another process created it a moment ago, fail rather than overwrite its key.
  await writeFile(path, key.toString("base64"), { mode: 0o600, flag: "wx" }).catch(
    async (error) => {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    },
  );
  return Buffer.from((await readFile(path, "utf8")).trim(), "base64");
}
