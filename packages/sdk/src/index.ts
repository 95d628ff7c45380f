export type { Answer, ApiPath, Body, OperationKey, Query } from "./api.ts";
export {
  Cardrail,
  type CardrailOptions,
  type CreateCardOptions,
  type IdempotentOptions,
  parseRetryAfter,
  type RequestOptions,
  SDK_VERSION,
  type WaitForActiveOptions,
} from "./client.ts";
export * from "./errors.ts";
export type { components, paths } from "./generated/openapi.ts";
export { OPERATIONS, type SdkMethod } from "./operations.ts";
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
