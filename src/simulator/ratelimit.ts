/** Fixed one-minute window per client (UQPay: per minute, per client, bursting allowed). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Returns seconds to wait when over the limit, else undefined. */
  hit(key: string, limit: number | null, now: number): number | undefined {
    if (limit === null) return undefined;
    const w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      this.windows.set(key, { start: now, count: 1 });
      return undefined;
    }
    w.count++;
    if (w.count <= limit) return undefined;
    return Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
  }
}
