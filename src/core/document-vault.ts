/**
 * Where KYC documents are kept, as the context carries it. Declared here, below the modules, so
 * the context every verb runs with can name it; the implementation (encryption, rows, retention)
 * is src/modules/documents/.
 */

/**
 * Where encrypted document blobs live. The core only sees this interface, so an S3 or database
 * store is a new implementation, not a change to the KYC code. Blobs arrive already encrypted.
 */
export interface DocumentStore {
  put(key: string, sealed: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

/** KYC documents at rest: encrypted blobs in a store, sealed with this key. */
export interface DocumentVault {
  store: DocumentStore;
  key: Buffer;
}
