import { sql } from "kysely";
import type { TenantContext } from "../../core/context.ts";
import { notFound } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import type { PageRequest } from "../../core/page.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import type { WebhookEventType } from "./event-types.ts";
import type { EventDetail, WebhookEventBody } from "./schemas.ts";

export interface NewWebhookEvent {
  tenantId: string;
  mode: Mode;
  type: WebhookEventType;
  /** Plain JSON (bigints are sent as strings rather than failing the caller's transaction). */
  data: object;
}

type Scope = Pick<TenantContext, "db" | "tenantId" | "mode">;

/**
 * Records an event for a tenant and schedules one delivery per endpoint of that tenant and mode
 * subscribed to its type. One SQL statement, so it is atomic on its own and, given a transaction,
 * part of the caller's: the event exists exactly when the change it describes was committed.
 * Delivery happens later, from the worker (src/jobs/deliver-webhooks.ts), never inside the caller.
 */
export async function emitEvent(db: DbOrTx, event: NewWebhookEvent): Promise<void> {
  await recordEvent(db, event);
}

/** emitEvent that also returns the new event's id (tests, and callers that want to log it). */
export async function recordEvent(db: DbOrTx, event: NewWebhookEvent): Promise<{ id: string }> {
  const id = newId("evt");
  const createdAt = new Date();
  const body: WebhookEventBody = {
    id,
    type: event.type,
    createdAt: createdAt.toISOString(),
    mode: event.mode,
    data: event.data as Record<string, unknown>,
  };
  const payload = JSON.stringify(body, (_key, value) =>
    typeof value === "bigint" ? value.toString() : value,
  );
  await sql`
    WITH ev AS (
      INSERT INTO webhook_events (id, tenant_id, mode, type, payload, created_at)
      VALUES (${id}, ${event.tenantId}, ${event.mode}, ${event.type}, ${payload}, ${createdAt})
      RETURNING id
    )
    INSERT INTO webhook_deliveries (event_id, endpoint_id, status, next_attempt_at)
    SELECT ev.id, e.id, 'pending', now()
    FROM ev, webhook_endpoints e
    WHERE e.tenant_id = ${event.tenantId} AND e.mode = ${event.mode} AND e.deleted_at IS NULL
      AND (${event.type}::text = ANY (e.events) OR '*' = ANY (e.events))
  `.execute(db);
  return { id };
}

export async function listEvents(
  ctx: Scope,
  page: PageRequest & { type?: string },
): Promise<{ data: WebhookEventBody[]; hasMore: boolean }> {
  let query = ctx.db
    .selectFrom("webhook_events")
    .select("payload")
    .where("tenant_id", "=", ctx.tenantId)
    .where("mode", "=", ctx.mode);
  // Ids start with their creation time, so "after" in a newest-first list means a smaller id.
  if (page.before) query = query.where("id", "<", page.before);
  if (page.createdFrom) query = query.where("created_at", ">=", page.createdFrom);
  if (page.createdTo) query = query.where("created_at", "<", page.createdTo);
  if (page.type) query = query.where("type", "=", page.type);
  const rows = await query
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
  return {
    data: rows.slice(0, page.limit).map((r) => JSON.parse(r.payload) as WebhookEventBody),
    hasMore: rows.length > page.limit,
  };
}

export async function getEvent(ctx: Scope, eventId: string): Promise<EventDetail> {
  const event = await ctx.db
    .selectFrom("webhook_events")
    .select(["id", "payload"])
    .where("id", "=", eventId)
    .where("tenant_id", "=", ctx.tenantId)
    .where("mode", "=", ctx.mode)
    .executeTakeFirst();
  if (!event) throw notFound("Event");
  const deliveries = await ctx.db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_endpoints as e", "e.id", "d.endpoint_id")
    .select([
      "d.id",
      "d.endpoint_id",
      "e.url",
      "e.deleted_at",
      "d.status",
      "d.attempt_count",
      "d.next_attempt_at",
      "d.last_attempt_at",
      "d.last_status_code",
      "d.last_error",
      "d.created_at",
    ])
    .where("d.event_id", "=", event.id)
    .orderBy("d.id")
    .execute();
  const attempts =
    deliveries.length === 0
      ? []
      : await ctx.db
          .selectFrom("webhook_attempts")
          .selectAll()
          .where(
            "delivery_id",
            "in",
            deliveries.map((d) => d.id),
          )
          .orderBy("id")
          .execute();
  return {
    ...(JSON.parse(event.payload) as WebhookEventBody),
    deliveries: deliveries.map((d) => ({
      endpointId: d.endpoint_id,
      url: d.url,
      endpointDeleted: d.deleted_at !== null,
      status: d.status,
      attemptCount: d.attempt_count,
      nextAttemptAt: d.status === "pending" ? d.next_attempt_at : null,
      lastAttemptAt: d.last_attempt_at,
      lastStatusCode: d.last_status_code,
      lastError: d.last_error,
      createdAt: d.created_at,
      attempts: attempts
        .filter((a) => a.delivery_id === d.id)
        .map((a) => ({
          attempt: a.attempt,
          statusCode: a.status_code,
          error: a.error,
          startedAt: a.started_at,
          finishedAt: a.finished_at,
        })),
    })),
  };
}

/**
 * Schedules a new attempt now: to every (not deleted) endpoint this event was sent to, or to one
 * endpoint, which need not have been subscribed (e.g. created after the event). The automatic
 * retry schedule starts over from there. Taking over an in-flight claim is deliberate: the old
 * attempt's result is still logged but no longer decides the delivery's state.
 */
export async function redeliverEvent(ctx: Scope, eventId: string, endpointId?: string) {
  return inTransaction(ctx.db, async (tx) => {
    const event = await tx
      .selectFrom("webhook_events")
      .select("id")
      .where("id", "=", eventId)
      .where("tenant_id", "=", ctx.tenantId)
      .where("mode", "=", ctx.mode)
      .executeTakeFirst();
    if (!event) throw notFound("Event");
    const reset = {
      status: "pending" as const,
      next_attempt_at: sql<Date>`now()`,
      retry_step: 0,
      claim_token: null,
      updated_at: sql<Date>`now()`,
    };
    if (endpointId) {
      const endpoint = await tx
        .selectFrom("webhook_endpoints")
        .select("id")
        .where("id", "=", endpointId)
        .where("tenant_id", "=", ctx.tenantId)
        .where("mode", "=", ctx.mode)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (!endpoint) throw notFound("Webhook endpoint");
      return tx
        .insertInto("webhook_deliveries")
        .values({ event_id: event.id, endpoint_id: endpoint.id, ...reset })
        .onConflict((oc) => oc.columns(["event_id", "endpoint_id"]).doUpdateSet(reset))
        .returning(["endpoint_id", "next_attempt_at"])
        .execute();
    }
    return tx
      .updateTable("webhook_deliveries")
      .set(reset)
      .where("event_id", "=", event.id)
      .where("endpoint_id", "in", (eb) =>
        eb
          .selectFrom("webhook_endpoints")
          .select("webhook_endpoints.id")
          .where("webhook_endpoints.deleted_at", "is", null),
      )
      .returning(["endpoint_id", "next_attempt_at"])
      .execute();
  });
}
