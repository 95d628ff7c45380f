import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
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

/** Outbound webhooks: endpoint registration, the event log with its deliveries, redelivery. */
export const webhookRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const settings = deps.webhooks ?? defaultWebhookSettings;

    app.post(
      "/webhook-endpoints",
      { schema: { tags: ["webhooks"], summary: "Register a webhook endpoint", body: createBody } },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        const created = await createEndpoint(ctx, settings, request.body);
        return reply.status(201).send({ success: true, ...created });
      },
    );

    app.get(
      "/webhook-endpoints",
      { schema: { tags: ["webhooks"], summary: "Webhook endpoints (never their secrets)" } },
      async (request) => ({
        success: true,
        data: await listEndpoints(tenantContext(deps, request)),
      }),
    );

    app.delete(
      "/webhook-endpoints/:id",
      { schema: { tags: ["webhooks"], summary: "Delete a webhook endpoint", params: idParams } },
      async (request) => {
        await deleteEndpoint(tenantContext(deps, request), request.params.id);
        return { success: true, id: request.params.id, deleted: true };
      },
    );

    app.get(
      "/events",
      { schema: { tags: ["webhooks"], summary: "Events, newest first", querystring: listQuery } },
      async (request) => {
        const page = await listEvents(tenantContext(deps, request), request.query);
        return { success: true, ...page };
      },
    );

    app.get(
      "/events/:id",
      { schema: { tags: ["webhooks"], summary: "An event and its deliveries", params: idParams } },
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
          body: redeliverBody,
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
