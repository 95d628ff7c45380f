/**
 * Delayed state transitions (KYC review, card activation, order completion, PRE_CANCEL end).
 * Jobs live in the state (so a snapshot resumes them) and each has a timer; `flush()` runs every
 * pending job at once, which lets tests move time forward without sleeping.
 */
import type { Rng } from "./rng.ts";
import type { Job, JobKind, SimState } from "./state.ts";

export type JobHandler = (job: Job) => void;

/** Which account a job acts for: recorded when it is added, restored when it runs. */
export interface JobScope {
  currentId(): string | undefined;
  run<T>(account: string | undefined, fn: () => T): T;
}

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private handlers: Partial<Record<JobKind, JobHandler>> = {};
  private closed = false;

  constructor(
    private readonly state: SimState,
    private readonly rng: Rng,
    private readonly clock: () => number,
    private readonly onChange: () => void,
    private readonly scope: JobScope,
  ) {}

  on(kind: JobKind, handler: JobHandler): void {
    this.handlers[kind] = handler;
  }

  add(kind: JobKind, ref: string, delayMs: number, data?: Record<string, unknown>): Job {
    const job: Job = { id: this.rng.uuid(), kind, ref, dueAt: this.clock() + delayMs };
    if (data) job.data = data;
    const account = this.scope.currentId();
    if (account !== undefined) job.account = account;
    this.state.jobs.set(job.id, job);
    this.arm(job);
    return job;
  }

  /** Drop pending jobs of a kind for a ref (e.g. a KYC override replaces the review). */
  cancel(kind: JobKind, ref: string): void {
    for (const job of this.state.jobs.values()) {
      if (job.kind === kind && job.ref === ref) {
        this.state.jobs.delete(job.id);
        const t = this.timers.get(job.id);
        if (t) clearTimeout(t);
        this.timers.delete(job.id);
      }
    }
  }

  /** Re-arm timers for jobs loaded from a snapshot. */
  restore(): void {
    for (const job of this.state.jobs.values()) this.arm(job);
  }

  private arm(job: Job): void {
    if (this.closed) return;
    const wait = Math.max(0, job.dueAt - this.clock());
    const t = setTimeout(() => this.run(job.id), wait);
    t.unref();
    this.timers.set(job.id, t);
  }

  private run(id: string): void {
    const job = this.state.jobs.get(id);
    this.timers.delete(id);
    if (!job) return;
    this.state.jobs.delete(id);
    this.scope.run(job.account, () => this.handlers[job.kind]?.(job));
    this.onChange();
  }

  /** Run every pending job now, in due order, including jobs those jobs schedule. */
  flush(): number {
    let ran = 0;
    for (let guard = 0; guard < 10_000 && this.state.jobs.size > 0; guard++) {
      const next = [...this.state.jobs.values()].sort((a, b) => a.dueAt - b.dueAt)[0];
      if (!next) break;
      const t = this.timers.get(next.id);
      if (t) clearTimeout(t);
      this.run(next.id);
      ran++;
    }
    return ran;
  }

  pending(): number {
    return this.state.jobs.size;
  }

  clearTimers(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  close(): void {
    this.closed = true;
    this.clearTimers();
  }
}
