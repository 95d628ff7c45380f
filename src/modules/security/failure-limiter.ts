/**
 * Counts failed authentications per subject (an API key id, a client address) in fixed windows.
 * Only failures are recorded; a subject over its limit is refused until its window ends, before any
 * hash work or database read. In-process: behind N instances an attacker gets N times the budget
 * (documented in SECURITY.md). The map is bounded so random key ids cannot exhaust memory: when it
 * is full, expired windows are dropped first, then the oldest entries.
 */
export interface FailureLimit {
  /** Failures allowed per window; the next attempt is refused. */
  max: number;
  windowMs: number;
}

interface Window {
  count: number;
  resetAt: number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: FailureLimit,
    private readonly maxEntries = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Seconds until the subject may try again, or 0 when it may try now. */
  blockedFor(subject: string): number {
    const window = this.windows.get(subject);
    if (!window) return 0;
    const now = this.clock();
    if (window.resetAt <= now) {
      this.windows.delete(subject);
      return 0;
    }
    return window.count >= this.limit.max
      ? Math.max(1, Math.ceil((window.resetAt - now) / 1000))
      : 0;
  }

  recordFailure(subject: string): void {
    const now = this.clock();
    const window = this.windows.get(subject);
    if (window && window.resetAt > now) {
      window.count += 1;
      return;
    }
    if (window) this.windows.delete(subject);
    if (this.windows.size >= this.maxEntries) this.evict(now);
    this.windows.set(subject, { count: 1, resetAt: now + this.limit.windowMs });
  }

  get size(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [subject, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(subject);
    }
    // Still full: drop the oldest tenth (Map iterates in insertion order).
    if (this.windows.size >= this.maxEntries) {
      let drop = Math.ceil(this.maxEntries / 10);
      for (const subject of this.windows.keys()) {
        if (drop-- <= 0) break;
        this.windows.delete(subject);
      }
    }
  }
}
