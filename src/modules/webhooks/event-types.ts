/**
 * The event types a tenant can subscribe to. Their own file: the events (events.ts) and the
 * routes' schemas (schemas.ts) both need them, and events.ts takes its body type from schemas.ts.
 */
export const WEBHOOK_EVENT_TYPES = [
  "cardholder.status_changed",
  "card.created",
  "card.status_changed",
  "card.failed",
  "card.top_up.succeeded",
  "card.top_up.failed",
  "card.withdrawal.succeeded",
  "card.withdrawal.failed",
  "card.balance_returned",
  "card.controls_updated",
  "transaction.created",
  "transaction.updated",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
