import { type Calls, id } from "../calls.ts";
import { paginate } from "../pagination.ts";
import { retryRateLimitedOnly, retryRead } from "../retry.ts";
import type { RequestOptions } from "../transport.ts";
import type {
  CreatedWebhookEndpoint,
  CreateWebhookEndpointInput,
  DeletedWebhookEndpoint,
  EventPage,
  EventWithDeliveries,
  ListEventsQuery,
  RedeliverInput,
  Redelivery,
  WebhookEndpointList,
} from "../types.ts";

export function webhookEndpoints(calls: Calls) {
  return {
    /** `POST /webhook-endpoints`: register an endpoint. Keep the returned `secret`: it is shown once. */
    create: async (
      input: CreateWebhookEndpointInput,
      options?: RequestOptions,
    ): Promise<CreatedWebhookEndpoint> =>
      calls.data("POST /webhook-endpoints", retryRateLimitedOnly, options, (init) =>
        calls.http.api.POST("/api/v1/webhook-endpoints", { body: input, ...init }),
      ),
    /** `GET /webhook-endpoints`: this mode's endpoints, oldest first (never their secrets). */
    list: async (options?: RequestOptions): Promise<WebhookEndpointList> =>
      calls.data("GET /webhook-endpoints", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/webhook-endpoints", init),
      ),
    /** `DELETE /webhook-endpoints/{id}`: pending deliveries to it are cancelled. */
    delete: async (
      endpointId: string,
      options?: RequestOptions,
    ): Promise<DeletedWebhookEndpoint> => {
      const path = { id: id(endpointId) };
      return calls.data("DELETE /webhook-endpoints/{id}", retryRateLimitedOnly, options, (init) =>
        calls.http.api.DELETE("/api/v1/webhook-endpoints/{id}", { params: { path }, ...init }),
      );
    },
  };
}

export function events(calls: Calls) {
  const resource = {
    /** `GET /events`: newest first; pass the last id as `startingAfter` for the next page. */
    list: async (query: ListEventsQuery = {}, options?: RequestOptions): Promise<EventPage> =>
      calls.data("GET /events", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/events", { params: { query }, ...init }),
      ),
    /**
     * Every event matching `query`, fetched page by page as you iterate. The contract's event page
     * has no `nextCursor`: the next page starts after the last event's id.
     */
    listAll: (query: ListEventsQuery = {}, options?: RequestOptions) =>
      paginate(
        query,
        (q) => resource.list(q, options),
        (page) => {
          const last = page.data.at(-1);
          return last ? { startingAfter: last.id } : undefined;
        },
      ),
    /** `GET /events/{id}`: an event and its deliveries. */
    retrieve: async (eventId: string, options?: RequestOptions): Promise<EventWithDeliveries> => {
      const path = { id: id(eventId) };
      return calls.data("GET /events/{id}", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/events/{id}", { params: { path }, ...init }),
      );
    },
    /** `POST /events/{id}/redeliver`: send it again now, to every endpoint it went to or to `endpointId`. */
    redeliver: async (
      eventId: string,
      input: RedeliverInput = {},
      options?: RequestOptions,
    ): Promise<Redelivery> => {
      const path = { id: id(eventId) };
      return calls.data("POST /events/{id}/redeliver", retryRateLimitedOnly, options, (init) =>
        calls.http.api.POST("/api/v1/events/{id}/redeliver", {
          params: { path },
          body: input,
          ...init,
        }),
      );
    },
  };
  return resource;
}
