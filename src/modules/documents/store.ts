import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

import type { DocumentStore } from "../../core/document-vault.ts";

export type { DocumentStore } from "../../core/document-vault.ts";

const SAFE_KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

/** The default: one file per document under a folder, written atomically, readable by the owner only. */
export function localFolderStore(root: string): DocumentStore {
  const base = resolve(root);
  const pathOf = (key: string) => {
    // Keys are made by Cardrail, never by clients; refuse anything that could leave the folder anyway.
    if (!SAFE_KEY.test(key) || key.includes("..")) throw new Error(`unsafe document key ${key}`);
    return join(base, key);
  };
  return {
    async put(key, sealed) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temp, sealed, { mode: 0o600 });
      await rename(temp, path);
    },
    get: (key) => readFile(pathOf(key)),
    delete: (key) => rm(pathOf(key), { force: true }),
  };
}
