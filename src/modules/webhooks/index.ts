/** What the rest of Cardrail uses from the webhooks module. */
export {
  emitEvent,
  type NewWebhookEvent,
  recordEvent,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from "./events.ts";
export type { WebhookSettings } from "./settings.ts";
