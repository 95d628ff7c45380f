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
  "GET /api/v1/cardholders": "cardholders.list",
  "GET /api/v1/cardholders/{holderId}": "cardholders.retrieve",
  "POST /api/v1/cards": "cards.create",
  "GET /api/v1/cards/{cardId}": "cards.retrieve",
  "GET /api/v1/cards/{cardId}/reveal": "cards.reveal",
  "POST /api/v1/cards/{cardId}/reveal-token": "cards.createRevealToken",
  "GET /api/v1/cards/reveal": "cards.redeemRevealToken",
  "GET /api/v1/cards": "cards.list",
  "PATCH /api/v1/cards/{cardId}": "cards.update",
  "POST /api/v1/cards/{cardId}/freeze": "cards.freeze",
  "POST /api/v1/cards/{cardId}/unfreeze": "cards.unfreeze",
  "POST /api/v1/cards/{cardId}/cancel": "cards.cancel",
  "POST /api/v1/cards/{cardId}/top-ups": "cards.topUp",
  "POST /api/v1/cards/{cardId}/withdrawals": "cards.withdraw",
  "GET /api/v1/cards/{cardId}/transactions": "cards.transactions",
  "GET /api/v1/wallet": "wallet.balances",
  "GET /api/v1/wallet/transactions": "wallet.transactions",
  "GET /api/v1/transactions": "transactions.list",
  "POST /api/v1/webhook-endpoints": "webhookEndpoints.create",
  "GET /api/v1/webhook-endpoints": "webhookEndpoints.list",
  "DELETE /api/v1/webhook-endpoints/{id}": "webhookEndpoints.delete",
  "GET /api/v1/events": "events.list",
  "GET /api/v1/events/{id}": "events.retrieve",
  "POST /api/v1/events/{id}/redeliver": "events.redeliver",
  "POST /api/v1/test-helpers/cards/{cardId}/authorizations": "testHelpers.authorize",
  "POST /api/v1/test-helpers/transactions/{transactionId}/reverse": "testHelpers.reverse",
  "POST /api/v1/test-helpers/transactions/{transactionId}/settle": "testHelpers.settle",
  "POST /api/v1/test-helpers/transactions/{transactionId}/refund": "testHelpers.refund",
} as const satisfies Record<OperationKey, `${string}.${string}`>;

export type SdkMethod = (typeof OPERATIONS)[OperationKey];
