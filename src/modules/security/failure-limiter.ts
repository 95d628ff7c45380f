/**
 * Counts failed authentications per subject (an API key id, a client address) in fixed windows.
 *
 * An attempt is counted BEFORE its (asynchronous) check: `reserve` increments synchronously and
 * says whether the subject was already over its limit, and the attempt is settled afterwards:
 * `succeeded()` gives the slot back (successes are never counted), a failure keeps it. So a burst
 * of concurrent wrong secrets is limited exactly at the threshold: the (max+1)-th reservation is
 * over the limit whatever the timing of the checks.
 *
 * Being over the limit never refuses a request by itself: the caller still checks the secret, and
 * only a failed check is answered 429 (see src/http/auth.ts and SECURITY.md). In-process: behind N
 * instances an attacker gets N times the budget (documented in SECURITY.md). The map is bounded so
 * random key ids cannot exhaust memory: when it is full, expired windows are dropped first, then
 * the oldest entries.
 */
export interface FailureLimit {
  /** Failures allowed per window; attempts beyond are over the limit. */
  max: number;
  windowMs: number;
}

interface Window {
  count: number;
  resetAt: number;
}

export interface Reservation {
  /** The subject had already used its failures in this window when this attempt was reserved. */
  readonly overLimit: boolean;
  /** Seconds until the subject's window ends (≥ 1). */
  retryAfterSeconds(): number;
  /** The attempt succeeded: its slot is given back. Idempotent; a failure simply never calls it. */
  succeeded(): void;
}

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: FailureLimit,
    private readonly maxEntries = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts an attempt for the subject now, before it is checked. Synchronous: no await can interleave. */
  reserve(subject: string): Reservation {
    const now = this.clock();
    let window = this.windows.get(subject);
    if (!window || window.resetAt <= now) {
      if (window) this.windows.delete(subject);
      if (this.windows.size >= this.maxEntries) this.evict(now);
      window = { count: 0, resetAt: now + this.limit.windowMs };
      this.windows.set(subject, window);
    }
    const overLimit = window.count >= this.limit.max;
    window.count += 1;
    // The reservation holds its own window: settling after the window rolled over cannot touch
    // the next window's count.
    const held = window;
    let settled = false;
    return {
      overLimit,
      retryAfterSeconds: () => Math.max(1, Math.ceil((held.resetAt - this.clock()) / 1000)),
      succeeded: () => {
        if (settled) return;
        settled = true;
        held.count = Math.max(0, held.count - 1);
      },
    };
  }

  /** Failures (and attempts still being checked) counted for the subject in its current window. */
  count(subject: string): number {
    const window = this.windows.get(subject);
    return window && window.resetAt > this.clock() ? window.count : 0;
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

/**
 * At most `limit` tasks at once, the rest wait their turn (first come, first served); nothing is
 * refused. Used for checks of over-limit attempts, so a guessing flood occupies a bounded share of
 * the database pool and CPU while the right key behind it still gets through.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `active` only drops when nobody waits.
      if (next) next();
      else this.active -= 1;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}
