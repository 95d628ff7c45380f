import { loadOrCreateKey } from "../../core/key-file.ts";

/**
 * The documents' encryption key: DOCUMENTS_ENCRYPTION_KEY (32 bytes, base64) when configured —
 * required wherever several instances share documents. Otherwise a key generated once and kept
 * beside the data (owner-only file), which suits the single-host embedded setup.
 */
export async function loadDocumentsKey(
  configured: string | undefined,
  dataDir: string,
): Promise<Buffer> {
  return loadOrCreateKey(configured, dataDir, "documents.key");
}
