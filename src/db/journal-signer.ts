import { createHmac } from "node:crypto";
import type { KyselyPlugin } from "kysely";
import type { Db, DbOrTx } from "./pool.ts";

/**
 * The ledger journal's HMAC key travels with the database handle: openDatabase attaches it, and
 * every transaction made from that handle inherits it, so `post(tx, …)` can sign its journal entry
 * without each of the many code paths that move money threading a key through. Kysely offers no
 * per-instance context other than its plugins, so the key rides on a plugin that changes nothing.
 * The key itself is private to the signer: it is never logged, printed nor sent to the database.
 */
export class JournalSigner implements KyselyPlugin {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error("the ledger journal key must be at least 32 bytes");
    this.#key = Buffer.from(key);
  }

  /** HMAC-SHA256 over the parts, each length-prefixed so no two different lists sign alike. */
  sign(...parts: string[]): string {
    const mac = createHmac("sha256", this.#key);
    for (const part of parts) mac.update(`${Buffer.byteLength(part)}:${part}\n`);
    return mac.digest("hex");
  }

  transformQuery: KyselyPlugin["transformQuery"] = (args) => args.node;
  transformResult: KyselyPlugin["transformResult"] = async (args) => args.result;
}

export function withJournalSigner(db: Db, signer: JournalSigner): Db {
  return db.withPlugin(signer);
}

/** The signer attached by openDatabase; throws when the handle has none (a wiring mistake). */
export function journalSignerOf(db: DbOrTx): JournalSigner {
  const signer = db.getExecutor().plugins.find((p) => p instanceof JournalSigner);
  if (!signer)
    throw new Error(
      "this database handle has no ledger journal key: open it with openDatabase, which attaches it",
    );
  return signer as JournalSigner;
}
