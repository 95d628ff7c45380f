import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import type { Config } from "../../config.ts";
import type { DocumentVault } from "../../core/document-vault.ts";
import { newId } from "../../core/ids.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { KycDocumentKind, Mode } from "../../db/schema.ts";
import type { KycFile } from "../../issuer/port.ts";
import {
  holdersWithDocumentsPastRetention,
  insertDocuments,
  liveDocuments,
  markDocumentsDeleted,
} from "../cardholders/repo.ts";
import { decryptDocument, encryptDocument } from "./cipher.ts";
import { loadDocumentsKey } from "./key.ts";
import { localFolderStore } from "./store.ts";

/** KYC documents at rest: encrypted blobs in a store, rows in kyc_documents saying what and where. */
export type { DocumentVault } from "../../core/document-vault.ts";

/** The configured vault: its key (DOCUMENTS_ENCRYPTION_KEY or the data folder's) and its folder. */
export async function openDocumentVault(
  config: Pick<Config, "DOCUMENTS_ENCRYPTION_KEY" | "CARDRAIL_DATA_DIR" | "DOCUMENTS_DIR">,
): Promise<DocumentVault> {
  return {
    key: await loadDocumentsKey(config.DOCUMENTS_ENCRYPTION_KEY, config.CARDRAIL_DATA_DIR),
    store: localFolderStore(
      config.DOCUMENTS_DIR ?? join(resolve(config.CARDRAIL_DATA_DIR), "documents"),
    ),
  };
}

export type KycFiles = { docFront: KycFile; docBack?: KycFile; selfie?: KycFile };

export interface SealedDocument {
  id: string;
  kind: KycDocumentKind;
  mime: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
}

/** Encrypts and stores the files; returns the rows to insert (in the caller's transaction). */
export async function sealDocuments(
  vault: DocumentVault,
  holderId: string,
  files: KycFiles,
): Promise<SealedDocument[]> {
  const sealed: SealedDocument[] = [];
  for (const [kind, file] of Object.entries(files) as [KycDocumentKind, KycFile | undefined][]) {
    if (!file) continue;
    const id = newId("doc");
    const storageKey = `${holderId}/${id}`;
    await vault.store.put(storageKey, encryptDocument(vault.key, storageKey, file.bytes));
    sealed.push({
      id,
      kind,
      mime: file.mime,
      size_bytes: file.bytes.length,
      sha256: createHash("sha256").update(file.bytes).digest("hex"),
      storage_key: storageKey,
    });
  }
  return sealed;
}

export async function recordDocuments(
  db: DbOrTx,
  owner: { holderId: string; tenantId: string; mode: Mode },
  sealed: SealedDocument[],
): Promise<void> {
  await insertDocuments(
    db,
    sealed.map((d) => ({
      ...d,
      cardholder_id: owner.holderId,
      tenant_id: owner.tenantId,
      mode: owner.mode,
      deleted_at: null,
    })),
  );
}

/** The newest live document of each kind for a cardholder, decrypted. */
export async function openDocuments(
  vault: DocumentVault,
  db: DbOrTx,
  holderId: string,
): Promise<KycFiles | null> {
  const rows = await liveDocuments(db, holderId);
  const files: Partial<KycFiles> = {};
  for (const row of rows) {
    if (files[row.kind]) continue;
    const bytes = decryptDocument(
      vault.key,
      row.storage_key,
      await vault.store.get(row.storage_key),
    );
    files[row.kind] = { bytes, mime: row.mime as KycFile["mime"] };
  }
  return files.docFront ? (files as KycFiles) : null;
}

/** Removes blobs that were stored but never recorded (the request failed before its transaction). */
export async function discardSealed(vault: DocumentVault, sealed: SealedDocument[]): Promise<void> {
  await Promise.all(sealed.map((d) => vault.store.delete(d.storage_key)));
}

/** Deletes the blobs of a cardholder's documents and marks the rows deleted (the rows stay as a record). */
export async function deleteDocuments(
  vault: DocumentVault,
  db: DbOrTx,
  holderId: string,
): Promise<number> {
  const rows = await liveDocuments(db, holderId);
  for (const row of rows) await vault.store.delete(row.storage_key);
  await markDocumentsDeleted(
    db,
    rows.map((r) => r.id),
  );
  return rows.length;
}

/**
 * Retention: documents of cardholders whose KYC was decided more than `retentionDays` ago are
 * deleted. Undecided cardholders keep theirs (a submission may still need them).
 */
export async function purgeDecidedDocuments(
  vault: DocumentVault,
  db: DbOrTx,
  retentionDays: number,
): Promise<number> {
  const holders = await holdersWithDocumentsPastRetention(db, retentionDays);
  let purged = 0;
  for (const holderId of holders) purged += await deleteDocuments(vault, db, holderId);
  return purged;
}
