/** Optional snapshot file: loaded at start, written debounced (≤250 ms) with an atomic rename. */
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

export class Persister {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(
    private readonly file: string,
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
    // Writes are chained so two flushes never race on the temp file.
    this.writing = this.writing.then(async () => {
      const tmp = `${this.file}.${process.pid}.${++this.seq}.tmp`;
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, this.file);
    });
    await this.writing;
  }
}
