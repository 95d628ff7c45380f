import type { IssuerWebhooks } from "../port.ts";
import { parseUqpayEvent } from "./inbound-events.ts";
import { verifyWebhookSignature } from "./webhook-signature.ts";

/**
 * UQPay's webhooks behind the issuer port: `x-wk-signature` is HMAC-SHA512 over the raw body and
 * `x-wk-timestamp` (stale timestamps, over 300 s, are refused); the envelope is fact sheet §6's.
 */
export const uqpayWebhooks: IssuerWebhooks = {
  verify: (webhook, secret) =>
    verifyWebhookSignature({
      rawBody: webhook.rawBody,
      timestampHeader: webhook.header("x-wk-timestamp") ?? "",
      signatureHeader: webhook.header("x-wk-signature") ?? "",
      secret,
    }),
  parse: parseUqpayEvent,
};
