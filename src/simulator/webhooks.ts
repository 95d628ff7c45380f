/**
 * Outgoing webhooks in the v1.6 envelope, signed the way the SDKs verify:
 * x-wk-timestamp = Unix seconds, x-wk-signature = hex(HMAC-SHA512(secret, rawBody + timestamp)).
 * Delivery is asynchronous (never blocks an API response) and retried with backoff on non-2xx
 * or network errors. Knobs (drop, delay, duplicate, reorder) make odd deliveries reproducible.
 */
import { createHmac } from "node:crypto";
import type { Rng } from "./rng.ts";

export interface WebhookEvent {
  version: "V1.6.0";
  event_name: "ISSUING";
  event_type: string;
  event_id: string;
  source_id: string;
  data: Record<string, unknown>;
}

export interface WebhookKnobs {
  /** Probability (0..1) an event is silently never delivered. */
  dropRate: number;
  /** Extra wait before the first attempt. */
  delayMs: number;
  /** Probability (0..1) an event is delivered twice. */
  duplicateRate: number;
  /** Hold events for reorderWindowMs and send the batch in a seeded random order. */
  reorder: boolean;
  reorderWindowMs: number;
  maxAttempts: number;
  retryBaseMs: number;
}

export const DEFAULT_KNOBS: WebhookKnobs = {
  dropRate: 0,
  delayMs: 0,
  duplicateRate: 0,
  reorder: false,
  reorderWindowMs: 50,
  maxAttempts: 4,
  retryBaseMs: 250,
};

export interface DeliveryRecord {
  event_id: string;
  event_type: string;
  attempt: number;
  status: number | "error" | "dropped";
}

export function signWebhook(secret: string, rawBody: string, timestamp: string): string {
  return createHmac("sha512", secret)
    .update(rawBody + timestamp)
    .digest("hex");
}

export class Webhooks {
  knobs: WebhookKnobs = { ...DEFAULT_KNOBS };
  readonly events: WebhookEvent[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private held: WebhookEvent[] = [];
  private closed = false;

  constructor(
    public target: { url: string; secret: string } | undefined,
    private readonly rng: Rng,
    /** Wall clock for x-wk-timestamp: never the /__sim/clock-moved one (receivers compare it with theirs). */
    private readonly clock: () => number,
  ) {}

  emit(eventType: string, sourceId: string, data: Record<string, unknown>): WebhookEvent {
    const event: WebhookEvent = {
      version: "V1.6.0",
      event_name: "ISSUING",
      event_type: eventType,
      event_id: this.rng.uuid(),
      source_id: sourceId,
      data,
    };
    this.events.push(event);
    if (this.events.length > 1000) this.events.shift();
    if (!this.target || this.closed) return event;
    if (this.knobs.dropRate > 0 && this.rng.next() < this.knobs.dropRate) {
      this.record(event, 0, "dropped");
      return event;
    }
    const copies =
      this.knobs.duplicateRate > 0 && this.rng.next() < this.knobs.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.knobs.reorder) this.hold(event);
      else this.later(this.knobs.delayMs, () => this.attempt(event, 1));
    }
    return event;
  }

  private hold(event: WebhookEvent): void {
    this.held.push(event);
    if (this.held.length > 1) return;
    this.later(this.knobs.reorderWindowMs + this.knobs.delayMs, () => {
      const batch = this.rng.shuffle(this.held);
      this.held = [];
      for (const e of batch) void this.attempt(e, 1);
    });
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private record(event: WebhookEvent, attempt: number, status: DeliveryRecord["status"]): void {
    this.deliveries.push({
      event_id: event.event_id,
      event_type: event.event_type,
      attempt,
      status,
    });
    if (this.deliveries.length > 2000) this.deliveries.shift();
  }

  private async attempt(event: WebhookEvent, attempt: number): Promise<void> {
    const target = this.target;
    if (!target || this.closed) return;
    const body = JSON.stringify(event);
    const ts = String(Math.floor(this.clock() / 1000));
    const ac = new AbortController();
    this.aborts.add(ac);
    const timeout = setTimeout(() => ac.abort(), 5000);
    let status: DeliveryRecord["status"] = "error";
    try {
      const res = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-wk-timestamp": ts,
          "x-wk-signature": signWebhook(target.secret, body, ts),
        },
        body,
        signal: ac.signal,
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = "error";
    } finally {
      clearTimeout(timeout);
      this.aborts.delete(ac);
    }
    this.record(event, attempt, status);
    const ok = typeof status === "number" && status >= 200 && status < 300;
    if (!ok && attempt < this.knobs.maxAttempts && !this.closed) {
      this.later(this.knobs.retryBaseMs * 2 ** (attempt - 1), () => {
        void this.attempt(event, attempt + 1);
      });
    }
  }

  reset(): void {
    this.events.length = 0;
    this.deliveries.length = 0;
    this.held = [];
    this.knobs = { ...DEFAULT_KNOBS };
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ac of this.aborts) ac.abort();
  }
}
