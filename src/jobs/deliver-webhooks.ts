import type { Log } from "../core/context.ts";
import type { Db } from "../db/pool.ts";
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  LEASE_MARGIN_MS,
  recordAttempt,
  sendDelivery,
} from "../modules/webhooks/deliver.ts";
import type { WebhookSettings } from "../modules/webhooks/settings.ts";

export interface WebhookWorker {
  /** Starts polling for due deliveries (every process runs one; they share work safely). */
  start(): void;
  /** Stops polling, interrupts in-flight requests (they are retried at once elsewhere), waits. */
  stop(): Promise<void>;
  /** One claim-and-deliver pass, awaited to the end; returns how many deliveries it attempted. */
  runOnce(): Promise<number>;
}

/**
 * The outbound webhook worker: polls the delivery table (see modules/webhooks/deliver.ts for the
 * claim protocol), keeps at most `concurrency` requests in flight so one slow endpoint never holds
 * up the others, and records every attempt.
 */
export function createWebhookWorker(deps: {
  db: Db;
  log: Log;
  settings: WebhookSettings;
}): WebhookWorker {
  const { db, log, settings } = deps;
  const inFlight = new Set<Promise<void>>();
  const shutdown = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let claiming: Promise<ClaimedDelivery[]> | null = null;

  const deliver = async (delivery: ClaimedDelivery) => {
    const result = await sendDelivery(delivery, settings, shutdown.signal);
    const context = {
      eventId: delivery.eventId,
      endpointId: delivery.endpointId,
      attempt: delivery.attempt,
      statusCode: result.statusCode,
    };
    if (result.ok) log.debug(context, "webhook delivered");
    else log.info({ ...context, error: result.error }, "webhook attempt failed");
    await recordAttempt(db, delivery, result, settings.retrySchedule);
  };

  /** Claims what fits and launches it; the returned promise ends when those deliveries are recorded. */
  const pass = async (): Promise<{ launched: number; finished: Promise<unknown> }> => {
    if (claiming) return { launched: 0, finished: Promise.resolve() };
    claiming = claimDueDeliveries(db, {
      limit: settings.concurrency - inFlight.size,
      leaseMs: settings.timeoutMs + LEASE_MARGIN_MS,
    });
    let claimed: ClaimedDelivery[];
    try {
      claimed = await claiming;
    } finally {
      claiming = null;
    }
    const launched = claimed.map((delivery) => {
      const promise: Promise<void> = deliver(delivery)
        .catch((err) =>
          // Recording failed (database away): the lease expires and the attempt is made again.
          log.error({ err, eventId: delivery.eventId }, "could not record a webhook attempt"),
        )
        .finally(() => {
          inFlight.delete(promise);
          // A slot freed up after a full pass: more may be due right now.
          if (running && claimed.length > 0) schedule(0);
        });
      inFlight.add(promise);
      return promise;
    });
    return { launched: claimed.length, finished: Promise.all(launched) };
  };

  const schedule = (delayMs: number) => {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      pass()
        .catch((err) => log.error({ err }, "webhook delivery pass failed"))
        .finally(() => {
          if (running && !timer) schedule(settings.pollIntervalMs);
        });
    }, delayMs);
    timer.unref();
  };

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      shutdown.abort();
      await claiming?.catch(() => {});
      await Promise.allSettled([...inFlight]);
    },
    async runOnce() {
      const { launched, finished } = await pass();
      await finished;
      return launched;
    },
  };
}
