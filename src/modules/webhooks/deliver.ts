import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { claimDue } from "../../db/claim.ts";
import type { Db } from "../../db/pool.ts";
import { pinnedPost } from "./pinned-post.ts";
import type { WebhookSettings } from "./settings.ts";
import { signatureHeader } from "./signing.ts";
import { type Resolver, resolveDestination } from "./url-policy.ts";

/*
 * Why a delivery table polled with FOR UPDATE SKIP LOCKED rather than pg-boss:
 * - emitEvent must join the caller's transaction; a plain INSERT does, with nothing to wire.
 * - The delivery log (GET /events/:id) and redelivery are this table; with pg-boss we would keep
 *   the same table anyway and mirror every job's state into it.
 * - It is the same pattern as the recovery sweep, proven here on PGlite and on PostgreSQL across
 *   processes, without pg-boss's own schema, maintenance and advisory-lock traffic.
 *
 * Exactly one worker sends a given attempt: a worker claims due rows with SKIP LOCKED and, in the
 * same transaction, moves next_attempt_at forward by a lease (timeout + margin) and stamps a
 * fresh claim_token. Another worker skips the locked row, and once committed the row is no longer
 * due. The result is written only `WHERE claim_token = <ours>`, so a worker whose lease expired
 * (or whose claim a manual redelivery took over) cannot overwrite a newer attempt's state. If a
 * process dies mid-attempt, the lease expires and another process retries: at-least-once.
 */

/** Added to the HTTP timeout to form the lease: time to record the result after the response. */
export const LEASE_MARGIN_MS = 60_000;

export interface ClaimedDelivery {
  id: bigint;
  claimToken: string;
  attempt: number;
  retryStep: number;
  eventId: string;
  eventType: string;
  payload: string;
  endpointId: string;
  url: string;
  secret: string;
}

export async function claimDueDeliveries(
  db: Db,
  options: { limit: number; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  if (options.limit <= 0) return [];
  const token = randomUUID();
  return claimDue(
    db,
    (tx) =>
      tx
        .selectFrom("webhook_deliveries")
        .select("id")
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", sql<Date>`now()`)
        .orderBy("next_attempt_at")
        .limit(options.limit),
    async (tx, ids) => {
      await tx
        .updateTable("webhook_deliveries")
        .set({
          next_attempt_at: sql<Date>`now() + make_interval(secs => ${options.leaseMs / 1000})`,
          claim_token: token,
          attempt_count: sql<number>`attempt_count + 1`,
          updated_at: sql<Date>`now()`,
        })
        .where("id", "in", ids)
        .execute();
      const rows = await tx
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhook_events as ev", "ev.id", "d.event_id")
        .innerJoin("webhook_endpoints as e", "e.id", "d.endpoint_id")
        .select([
          "d.id",
          "d.attempt_count",
          "d.retry_step",
          "ev.id as event_id",
          "ev.type",
          "ev.payload",
          "e.id as endpoint_id",
          "e.url",
          "e.secret",
        ])
        .where("d.claim_token", "=", token)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        claimToken: token,
        attempt: r.attempt_count,
        retryStep: r.retry_step,
        eventId: r.event_id,
        eventType: r.type,
        payload: r.payload,
        endpointId: r.endpoint_id,
        url: r.url,
        secret: r.secret,
      }));
    },
  );
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** Stopped by our own shutdown: retried right away by whichever process is still running. */
  interrupted: boolean;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * One HTTP attempt. Never throws: every outcome is an AttemptResult. The host is resolved once and,
 * with private URLs refused, every address checked before anything connects; the request then goes
 * to exactly the checked address (pinnedPost), so DNS cannot change the answer in between.
 */
export async function sendDelivery(
  delivery: ClaimedDelivery,
  settings: Pick<WebhookSettings, "timeoutMs" | "allowPrivateUrls" | "allowLoopbackUrls">,
  shutdown: AbortSignal,
  resolve?: Resolver,
): Promise<AttemptResult> {
  const startedAt = new Date();
  const done = (r: Partial<AttemptResult>): AttemptResult => ({
    ok: false,
    statusCode: null,
    error: null,
    interrupted: false,
    ...r,
    startedAt,
    finishedAt: new Date(),
  });
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  try {
    // Checked again at each delivery: DNS may have changed since the endpoint was registered.
    const destination = await resolveDestination(delivery.url, {
      allowPrivate: settings.allowPrivateUrls,
      allowLoopback: settings.allowLoopbackUrls,
      resolve,
    });
    if (!destination.ok) return done({ error: `refused: the URL ${destination.problem}` });
    const t = Math.floor(Date.now() / 1000);
    const response = await pinnedPost(delivery.url, destination.address, {
      headers: {
        "content-type": "application/json",
        "user-agent": "Cardrail-Webhooks/1",
        "cardrail-signature": signatureHeader(delivery.secret, delivery.payload, t),
        "cardrail-event-id": delivery.eventId,
        "cardrail-event-type": delivery.eventType,
      },
      body: delivery.payload,
      signal: AbortSignal.any([shutdown, timeout]),
    });
    // A redirect is not a success, and is never followed (it could lead anywhere, e.g. inside).
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return done({
      ok,
      statusCode: response.statusCode,
      error: ok ? null : `HTTP ${response.statusCode}`,
    });
  } catch (error) {
    if (shutdown.aborted)
      return done({ error: "interrupted: Cardrail shutting down", interrupted: true });
    if (timeout.aborted) return done({ error: `timed out after ${settings.timeoutMs} ms` });
    const err = error as Error & { code?: string };
    return done({ error: `request failed: ${err.code ?? err.message}`.slice(0, 500) });
  }
}

/**
 * Logs the attempt and moves the delivery on: succeeded, retried after the next step of the
 * schedule, or failed when the schedule is exhausted. State changes only under our claim.
 */
export async function recordAttempt(
  db: Db,
  delivery: ClaimedDelivery,
  result: AttemptResult,
  retrySchedule: readonly number[],
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto("webhook_attempts")
      .values({
        delivery_id: delivery.id,
        attempt: delivery.attempt,
        status_code: result.statusCode,
        error: result.error,
        started_at: result.startedAt,
        finished_at: result.finishedAt,
      })
      .execute();
    const last = {
      claim_token: null,
      last_attempt_at: result.startedAt,
      last_status_code: result.statusCode,
      last_error: result.error,
      updated_at: sql<Date>`now()`,
    };
    const delay = retrySchedule[delivery.retryStep];
    const next = result.ok
      ? { ...last, status: "succeeded" as const, next_attempt_at: null }
      : result.interrupted
        ? { ...last, next_attempt_at: sql<Date>`now()` }
        : delay !== undefined
          ? {
              ...last,
              next_attempt_at: sql<Date>`now() + make_interval(secs => ${delay / 1000})`,
              retry_step: delivery.retryStep + 1,
            }
          : { ...last, status: "failed" as const, next_attempt_at: null };
    await tx
      .updateTable("webhook_deliveries")
      .set(next)
      .where("id", "=", delivery.id)
      .where("claim_token", "=", delivery.claimToken)
      .execute();
  });
}
