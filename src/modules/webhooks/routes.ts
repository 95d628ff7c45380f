import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiErrors, BODY_ERRORS, example, succeeded, timestamp } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { createEndpoint, deleteEndpoint, listEndpoints } from "./endpoints.ts";
import { getEvent, listEvents, redeliverEvent, WEBHOOK_EVENT_TYPES } from "./events.ts";
import { defaultWebhookSettings } from "./settings.ts";

// No id of ours contains control characters, and a NUL byte would fail the query (a 500).
const opaqueId = () =>
  z
    .string()
    .min(1)
    .max(64)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .regex(/^[^\x00-\x1f\x7f]*$/, "must not contain control characters");

const eventTypeOrAll = z.enum([...WEBHOOK_EVENT_TYPES, "*"]);

const createBody = z.object({
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

const idParams = z.object({ id: opaqueId() });

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: opaqueId().optional(),
  type: z.enum(WEBHOOK_EVENT_TYPES).optional(),
});

// No body at all (Fastify gives null) means "every endpoint".
const redeliverBody = z.object({ endpointId: opaqueId().optional() }).nullish();

const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()).meta({ description: '["*"] means every event type' }),
  description: z.string().nullable(),
  createdAt: timestamp(),
});

const ENDPOINT_EXAMPLE = {
  id: "we_01JD2XC2D4F6G8H0J2K4M6N8P0",
  url: "https://example.com/cardrail/webhooks",
  events: ["card.created", "card.status_changed"],
  description: "prod",
  createdAt: "2026-11-22T10:15:30.000Z",
};

const eventSchema = z.object({
  id: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  createdAt: z.string(),
  mode: z.enum(["test", "live"]),
  data: z.record(z.string(), z.unknown()),
});

const EVENT_EXAMPLE = {
  id: "evt_01JD2XD5E7F9G1H3J5K7M9N1P3",
  type: "card.created",
  createdAt: "2026-11-22T10:15:31.000Z",
  mode: "test",
  data: { cardId: "card_01JD2XA4B6C8D0E2F4G6H8J0K2", status: "pending" },
};

const deliverySchema = z.object({
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

/** Outbound webhooks: endpoint registration, the event log with its deliveries, redelivery. */
export const webhookRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const settings = deps.webhooks ?? defaultWebhookSettings;

    app.post(
      "/webhook-endpoints",
      {
        schema: {
          tags: ["webhooks"],
          summary: "Register a webhook endpoint",
          description:
            "The response carries the signing `secret`, shown only here. Deliveries are signed; verify them with the SDK's helper.",
          body: createBody.meta({
            examples: [
              {
                url: "https://example.com/cardrail/webhooks",
                events: ["card.created", "card.status_changed"],
                description: "prod",
              },
            ],
          }),
          response: {
            201: example(
              endpointSchema.extend({ success: succeeded(), secret: z.string() }),
              "Registered; keep the secret",
              {
                success: true,
                ...ENDPOINT_EXAMPLE,
                secret: "whsec_9f8e7d6c5b4a3928171605f4e3d2c1b0",
              },
            ),
            ...apiErrors(...BODY_ERRORS),
          },
        },
      },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        const created = await createEndpoint(ctx, settings, request.body);
        return reply.status(201).send({ success: true, ...created });
      },
    );

    app.get(
      "/webhook-endpoints",
      {
        schema: {
          tags: ["webhooks"],
          summary: "Webhook endpoints (never their secrets)",
          response: {
            200: example(
              z.object({ success: succeeded(), data: z.array(endpointSchema) }),
              "This mode's endpoints, oldest first",
              { success: true, data: [ENDPOINT_EXAMPLE] },
            ),
            ...apiErrors(),
          },
        },
      },
      async (request) => ({
        success: true,
        data: await listEndpoints(tenantContext(deps, request)),
      }),
    );

    app.delete(
      "/webhook-endpoints/:id",
      {
        schema: {
          tags: ["webhooks"],
          summary: "Delete a webhook endpoint",
          params: idParams,
          response: {
            200: example(
              z.object({ success: succeeded(), id: z.string(), deleted: z.boolean() }),
              "Deleted; pending deliveries to it are cancelled",
              { success: true, id: ENDPOINT_EXAMPLE.id, deleted: true },
            ),
            ...apiErrors("not_found"),
          },
        },
      },
      async (request) => {
        await deleteEndpoint(tenantContext(deps, request), request.params.id);
        return { success: true, id: request.params.id, deleted: true };
      },
    );

    app.get(
      "/events",
      {
        schema: {
          tags: ["webhooks"],
          summary: "Events, newest first",
          querystring: listQuery,
          response: {
            200: example(
              z.object({ success: succeeded(), data: z.array(eventSchema), hasMore: z.boolean() }),
              "A page of events; pass the last id as startingAfter for the next",
              { success: true, data: [EVENT_EXAMPLE], hasMore: false },
            ),
            ...apiErrors(),
          },
        },
      },
      async (request) => {
        const page = await listEvents(tenantContext(deps, request), request.query);
        return { success: true, ...page };
      },
    );

    app.get(
      "/events/:id",
      {
        schema: {
          tags: ["webhooks"],
          summary: "An event and its deliveries",
          params: idParams,
          response: {
            200: example(
              eventSchema.extend({ success: succeeded(), deliveries: z.array(deliverySchema) }),
              "The event as delivered, and each delivery with its attempts",
              {
                success: true,
                ...EVENT_EXAMPLE,
                deliveries: [
                  {
                    endpointId: ENDPOINT_EXAMPLE.id,
                    url: ENDPOINT_EXAMPLE.url,
                    endpointDeleted: false,
                    status: "succeeded",
                    attemptCount: 1,
                    nextAttemptAt: null,
                    lastAttemptAt: "2026-11-22T10:15:32.000Z",
                    lastStatusCode: 200,
                    lastError: null,
                    createdAt: "2026-11-22T10:15:31.000Z",
                    attempts: [
                      {
                        attempt: 1,
                        statusCode: 200,
                        error: null,
                        startedAt: "2026-11-22T10:15:32.000Z",
                        finishedAt: "2026-11-22T10:15:32.100Z",
                      },
                    ],
                  },
                ],
              },
            ),
            ...apiErrors("not_found"),
          },
        },
      },
      async (request) => ({
        success: true,
        ...(await getEvent(tenantContext(deps, request), request.params.id)),
      }),
    );

    app.post(
      "/events/:id/redeliver",
      {
        schema: {
          tags: ["webhooks"],
          summary: "Send an event again now (to every endpoint it went to, or to one)",
          params: idParams,
          body: redeliverBody.meta({ examples: [{ endpointId: "we_01JD2XC2D4F6G8H0J2K4M6N8P0" }] }),
          response: {
            202: example(
              z.object({
                success: succeeded(),
                eventId: z.string(),
                scheduled: z.array(
                  z.object({ endpointId: z.string(), nextAttemptAt: timestamp().nullable() }),
                ),
              }),
              "Scheduled now",
              {
                success: true,
                eventId: EVENT_EXAMPLE.id,
                scheduled: [
                  { endpointId: ENDPOINT_EXAMPLE.id, nextAttemptAt: "2026-11-22T10:20:00.000Z" },
                ],
              },
            ),
            ...apiErrors(...BODY_ERRORS, "not_found"),
          },
        },
      },
      async (request, reply) => {
        const scheduled = await redeliverEvent(
          tenantContext(deps, request),
          request.params.id,
          request.body?.endpointId,
        );
        return reply.status(202).send({
          success: true,
          eventId: request.params.id,
          scheduled: scheduled.map((s) => ({
            endpointId: s.endpoint_id,
            nextAttemptAt: s.next_attempt_at,
          })),
        });
      },
    );
  };
