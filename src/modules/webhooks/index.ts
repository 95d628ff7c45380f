/** What the rest of Cardrail uses from the webhooks module. */
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./event-types.ts";
export { emitEvent, type NewWebhookEvent, recordEvent } from "./events.ts";
export type { WebhookSettings } from "./settings.ts";
