import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiErrors, BODY_ERRORS, example } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { listAnswer, pageRequest } from "../../http/list.ts";
import { createEndpoint, deleteEndpoint, listEndpoints } from "./endpoints.ts";
import { getEvent, listEvents, redeliverEvent } from "./events.ts";
import {
  createBody,
  createdEndpointSchema,
  deletedEndpointSchema,
  ENDPOINT_EXAMPLE,
  EVENT_EXAMPLE,
  EVENT_ID,
  endpointListSchema,
  eventDetailSchema,
  eventListSchema,
  idParams,
  listQuery,
  redeliverBody,
  redeliveredSchema,
} from "./schemas.ts";
import { defaultWebhookSettings } from "./settings.ts";

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
            201: example(createdEndpointSchema, "Registered; keep the secret", {
              success: true,
              ...ENDPOINT_EXAMPLE,
              secret: "whsec_9f8e7d6c5b4a3928171605f4e3d2c1b0",
            }),
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
            200: example(endpointListSchema, "This mode's endpoints, oldest first", {
              success: true,
              data: [ENDPOINT_EXAMPLE],
            }),
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
            200: example(deletedEndpointSchema, "Deleted; pending deliveries to it are cancelled", {
              success: true,
              id: ENDPOINT_EXAMPLE.id,
              deleted: true,
            }),
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
              eventListSchema,
              "A page of events; pass nextCursor as cursor for the next",
              { success: true, data: [EVENT_EXAMPLE], hasMore: false, nextCursor: null },
            ),
            ...apiErrors(),
          },
        },
      },
      async (request) => {
        const { startingAfter, type } = request.query;
        const page = pageRequest(request.query, EVENT_ID);
        const events = await listEvents(tenantContext(deps, request), {
          ...page,
          // The cursor wins; startingAfter (an event id) is the older way to say the same.
          before: page.before ?? startingAfter,
          type,
        });
        return listAnswer({ items: events.data, hasMore: events.hasMore }, (e) => e.id);
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
              eventDetailSchema,
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
            202: example(redeliveredSchema, "Scheduled now", {
              success: true,
              eventId: EVENT_EXAMPLE.id,
              scheduled: [
                { endpointId: ENDPOINT_EXAMPLE.id, nextAttemptAt: "2026-11-22T10:20:00.000Z" },
              ],
            }),
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
