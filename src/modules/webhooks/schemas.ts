import { z } from "zod";
import { idPattern } from "../../core/ids.ts";
import { opaqueId } from "../../core/safe-text.ts";
import { succeeded, timestamp } from "../../http/api-docs.ts";
import { listOf, pageQuery } from "../../http/list.ts";
import { WEBHOOK_EVENT_TYPES } from "./event-types.ts";

/**
 * The webhook routes' request and response schemas, with the examples the API reference shows.
 * The response types below are what endpoints.ts and events.ts return (imported as types only).
 */

const eventTypeOrAll = z.enum([...WEBHOOK_EVENT_TYPES, "*"]);

export const createBody = z.object({
  url: z.string().trim().min(1).max(2048),
  events: z
    .array(eventTypeOrAll)
    .min(1)
    .max(20)
    .optional()
    // "*" anywhere means everything; otherwise each type once, in a stable order.
    .transform((events) => (!events || events.includes("*") ? ["*"] : [...new Set(events)].sort())),
  description: z.string().trim().max(500).optional(),
});

export const idParams = z.object({ id: opaqueId() });

export const EVENT_ID = idPattern("evt");

/** The shared list query (`cursor` from `nextCursor`), plus `startingAfter` (an event id) as before. */
export const listQuery = pageQuery(EVENT_ID).extend({
  startingAfter: opaqueId().optional(),
  type: z.enum(WEBHOOK_EVENT_TYPES).optional(),
});

// No body at all (Fastify gives null) means "every endpoint".
export const redeliverBody = z.object({ endpointId: opaqueId().optional() }).nullish();

export const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()).meta({ description: '["*"] means every event type' }),
  description: z.string().nullable(),
  createdAt: timestamp(),
});

/** An endpoint as the API shows it: never its secret. */
export type EndpointView = z.output<typeof endpointSchema>;

export const createdEndpointSchema = endpointSchema.extend({
  success: succeeded(),
  secret: z.string(),
});

/** A new endpoint: the only answer that carries its signing secret (`success` aside). */
export type CreatedEndpoint = Omit<z.output<typeof createdEndpointSchema>, "success">;

export const endpointListSchema = z.object({ success: succeeded(), data: z.array(endpointSchema) });

export const deletedEndpointSchema = z.object({
  success: succeeded(),
  id: z.string(),
  deleted: z.boolean(),
});

export const ENDPOINT_EXAMPLE = {
  id: "we_01JD2XC2D4F6G8H0J2K4M6N8P0",
  url: "https://example.com/cardrail/webhooks",
  events: ["card.created", "card.status_changed"],
  description: "prod",
  createdAt: "2026-11-22T10:15:30.000Z",
};

export const eventSchema = z.object({
  id: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  createdAt: z.string(),
  mode: z.enum(["test", "live"]),
  data: z.record(z.string(), z.unknown()),
});

/** What a tenant receives, and what GET /events shows: the delivered body, byte for byte. */
export type WebhookEventBody = z.output<typeof eventSchema>;

export const eventListSchema = listOf(eventSchema);

export const EVENT_EXAMPLE = {
  id: "evt_01JD2XD5E7F9G1H3J5K7M9N1P3",
  type: "card.created",
  createdAt: "2026-11-22T10:15:31.000Z",
  mode: "test",
  data: { cardId: "card_01JD2XA4B6C8D0E2F4G6H8J0K2", status: "pending" },
};

export const deliverySchema = z.object({
  endpointId: z.string(),
  url: z.string(),
  endpointDeleted: z.boolean(),
  status: z.enum(["pending", "succeeded", "failed", "cancelled"]),
  attemptCount: z.number(),
  nextAttemptAt: timestamp().nullable(),
  lastAttemptAt: timestamp().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: timestamp(),
  attempts: z.array(
    z.object({
      attempt: z.number(),
      statusCode: z.number().nullable(),
      error: z.string().nullable(),
      startedAt: timestamp(),
      finishedAt: timestamp().nullable(),
    }),
  ),
});

export const eventDetailSchema = eventSchema.extend({
  success: succeeded(),
  deliveries: z.array(deliverySchema),
});

/** An event as delivered, with each delivery and its attempts (`success` aside). */
export type EventDetail = Omit<z.output<typeof eventDetailSchema>, "success">;

export const redeliveredSchema = z.object({
  success: succeeded(),
  eventId: z.string(),
  scheduled: z.array(z.object({ endpointId: z.string(), nextAttemptAt: timestamp().nullable() })),
});
