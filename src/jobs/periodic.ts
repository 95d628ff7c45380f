import type { Log } from "../core/context.ts";

/**
 * A task run every `intervalMs` in this process, never overlapping itself. Several processes may
 * run the same task: each task claims its rows with SKIP LOCKED, so they share the work.
 */
export interface PeriodicTask {
  start(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function periodic(
  name: string,
  intervalMs: number,
  log: Log,
  pass: () => Promise<unknown>,
): PeriodicTask {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  return {
    start() {
      if (timer || intervalMs <= 0) return;
      timer = setInterval(() => {
        if (running) return;
        running = pass()
          .catch((err) => log.error({ err, task: name }, "periodic task failed"))
          .finally(() => {
            running = null;
          });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
