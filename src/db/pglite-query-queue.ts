import type { PGlite } from "@electric-sql/pglite";

/**
 * A replacement for pglite-socket's internal query queue (0.2.17), which has two known defects
 * (electric-sql/pglite issue #1046, fix PR #977 not yet released):
 *  A. it serialises per protocol *message* and pins a connection only inside a SQL transaction,
 *     so two connections' Parse/Bind/Execute/Sync batches interleave on PGlite's single session
 *     and clobber each other's unnamed statement (wrong-parameter errors, or silently wrong rows);
 *  B. a throw while executing leaves it marked "processing" forever: every later query hangs.
 *
 * This queue keeps the connection that is mid-batch (until its Sync or simple Query) or
 * mid-transaction as the only one served, and always releases itself after an error. It has the
 * same methods the socket handlers call, and is installed by src/db/embedded.ts.
 */

interface Entry {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/** Frontend messages after which the backend answers ReadyForQuery: the end of a batch. */
const SYNC = 0x53; // 'S'
const SIMPLE_QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

export class SafeQueryQueue {
  private queue: Entry[] = [];
  private processing = false;
  /** The connection that must be served next (mid-batch or mid-transaction), if any. */
  private owner: number | null = null;
  private midBatch = false;

  constructor(private readonly db: PGlite) {}

  enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.processQueue();
    });
  }

  private next(): Entry | undefined {
    const pinned = this.owner !== null && (this.midBatch || this.db.isInTransaction());
    if (!pinned) return this.queue.shift();
    const index = this.queue.findIndex((e) => e.handlerId === this.owner);
    // The owner's next message has not arrived yet: everyone else waits for it.
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async processQueue(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let entry = this.next(); entry; entry = this.next()) {
        const type = entry.message[0];
        this.owner = entry.handlerId;
        this.midBatch = !(type === SYNC || type === SIMPLE_QUERY || type === TERMINATE);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(entry.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                entry.onData(data);
              },
            }),
          );
          entry.resolve(bytes);
        } catch (error) {
          // A failed message ends its batch from our side; the client sees its connection error out.
          this.midBatch = false;
          entry.reject(error);
        }
      }
    } finally {
      this.processing = false;
    }
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((entry) => {
      if (entry.handlerId !== handlerId) return true;
      entry.reject(new Error("connection closed"));
      return false;
    });
  }

  /** A connection that closes mid-transaction or mid-batch must not leave the session pinned. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.owner = null;
    this.midBatch = false;
    await this.processQueue();
  }
}
