/**
 * Optional persistence: a snapshot loaded at start and saved debounced (≤250 ms) after changes.
 * A file (atomic rename) by default; a host may give its own store (Cardrail keeps it in its
 * database when several processes share one simulator).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Snapshot } from "./state.ts";

export async function loadSnapshot(file: string): Promise<Snapshot | undefined> {
  try {
    const text = await readFile(file, "utf8");
    const parsed = JSON.parse(text) as Snapshot;
    return parsed.version === 1 ? parsed : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export interface SnapshotStore {
  load(): Promise<Snapshot | undefined>;
  save(json: string): Promise<void>;
}

export function fileStore(file: string): SnapshotStore {
  let seq = 0;
  return {
    load: () => loadSnapshot(file),
    async save(data) {
      const tmp = `${file}.${process.pid}.${++seq}.tmp`;
      await mkdir(dirname(file), { recursive: true });
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, file);
    },
  };
}

export class Persister {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SnapshotStore,
    private readonly snapshot: () => Snapshot,
    private readonly debounceMs = 250,
  ) {}

  /** Mark state dirty; a write happens at most debounceMs later. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.debounceMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const data = JSON.stringify(this.snapshot());
    // Writes are chained so two flushes never race (nor land out of order).
    this.writing = this.writing.then(() => this.store.save(data));
    await this.writing;
  }
}
