/**
 * Seeded PRNG (mulberry32). Every random choice the simulator makes (ids, card numbers, CVVs,
 * fault dice, webhook reordering) comes from one of these, so a seed reproduces a run.
 * The state is a single uint32, which makes it trivial to persist in the snapshot file.
 */
export class Rng {
  constructor(public state: number) {}

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  digits(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += String(this.int(10));
    return out;
  }

  /** RFC 4122 version-4 shaped UUID drawn from this stream. */
  uuid(): string {
    const b: number[] = [];
    for (let i = 0; i < 16; i++) b.push(this.int(256));
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = b.map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  alnum(n: number): string {
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let out = "";
    for (let i = 0; i < n; i++) out += chars[this.int(chars.length)];
    return out;
  }

  shuffle<T>(items: T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i] as T;
      a[i] = a[j] as T;
      a[j] = tmp;
    }
    return a;
  }
}

/** Derive an independent stream from a seed, so e.g. fault dice never shift card numbers. */
export function deriveSeed(seed: number, stream: number): number {
  const r = new Rng((seed ^ Math.imul(stream + 1, 0x9e3779b1)) | 0);
  r.next();
  return Math.floor(r.next() * 4294967296) | 0;
}
