import type { OperationKey } from "./api.ts";

/**
 * Which SDK method calls each operation of the API. Typed by the generated contract, so a new
 * operation in openapi.json fails the type check here until the SDK has a method for it; and
 * test/operations.test.ts calls every method against a real Cardrail and checks it hit its route.
 */
export const OPERATIONS = {
  "POST /api/v1/cardholders": "cardholders.create",
  "POST /api/v1/cardholders/{holderId}/documents": "cardholders.resubmitDocuments",
  "GET /api/v1/cardholders/{holderId}/status": "cardholders.status",
  "POST /api/v1/cards": "cards.create",
  "GET /api/v1/cards/{cardId}": "cards.retrieve",
  "GET /api/v1/cards/{cardId}/reveal": "cards.reveal",
  "POST /api/v1/cards/{cardId}/reveal-token": "cards.createRevealToken",
  "GET /api/v1/cards/reveal": "cards.redeemRevealToken",
  "GET /api/v1/wallet": "wallet.balances",
  "POST /api/v1/webhook-endpoints": "webhookEndpoints.create",
  "GET /api/v1/webhook-endpoints": "webhookEndpoints.list",
  "DELETE /api/v1/webhook-endpoints/{id}": "webhookEndpoints.delete",
  "GET /api/v1/events": "events.list",
  "GET /api/v1/events/{id}": "events.retrieve",
  "POST /api/v1/events/{id}/redeliver": "events.redeliver",
} as const satisfies Record<OperationKey, `${string}.${string}`>;

export type SdkMethod = (typeof OPERATIONS)[OperationKey];
