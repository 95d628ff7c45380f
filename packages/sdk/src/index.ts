export {
  Cardrail,
  type CardrailOptions,
  type CreateCardOptions,
  parseRetryAfter,
  type RequestOptions,
  SDK_VERSION,
  type WaitForActiveOptions,
} from "./client.ts";
export * from "./errors.ts";
export type * from "./types.ts";
export {
  SIGNATURE_HEADER,
  signWebhookPayload,
  type VerifyWebhookInput,
  verifyWebhook,
  verifyWebhookSignature,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from "./webhooks.ts";
