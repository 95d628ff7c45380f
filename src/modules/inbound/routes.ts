import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { CoreDeps } from "../../core/context.ts";
import { CardrailError } from "../../core/errors.ts";
import type { Mode } from "../../db/schema.ts";
import { errorResponses } from "../../http/api-docs.ts";
import type { IssuerWebhooks } from "../../issuer/port.ts";
import { applyIssuerEvent } from "./apply-event.ts";
import { modeParams, receivedSchema } from "./schemas.ts";

export interface InboundWebhookDeps extends CoreDeps {
  /** The signing secret UQPay (or the simulator) uses per mode; a mode without one refuses every call. */
  webhookSecret(mode: Mode): string | null;
  /** The issuer's signature check and envelope parsing (the port's; UQPay's in practice). */
  issuerWebhooks: IssuerWebhooks;
}

/**
 * POST /webhooks/uqpay/:mode — UQPay's webhooks. The body is kept raw: the signature
 * (x-wk-signature = HMAC-SHA512 over body + x-wk-timestamp) is checked over the exact bytes
 * before anything is parsed, and stale timestamps (> 300 s) are refused.
 */
export const inboundWebhookRoutes =
  (deps: InboundWebhookDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.addContentTypeParser(
      "application/json",
      { parseAs: "buffer", bodyLimit: 256 * 1024 },
      (_req, body, done) => done(null, body),
    );
    app.post(
      "/webhooks/uqpay/:mode",
      {
        schema: {
          tags: ["issuer webhooks"],
          summary: "Receives UQPay's signed webhooks (for the issuer, not for tenants)",
          description:
            "Signed by the issuer: `x-wk-signature` is HMAC-SHA512 over the raw body and `x-wk-timestamp`; stale timestamps (over 300 s) are refused. Not part of the tenant API.",
          params: modeParams,
          response: {
            200: receivedSchema,
            ...errorResponses(
              "validation_error",
              "invalid_credentials",
              "payload_too_large",
              "unsupported_media_type",
              "internal_error",
            ),
          },
        },
      },
      async (request, reply) => {
        const mode = request.params.mode;
        const secret = deps.webhookSecret(mode);
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const header = (name: string) => {
          const value = request.headers[name];
          return typeof value === "string" ? value : undefined;
        };
        const verified = secret
          ? deps.issuerWebhooks.verify({ rawBody: raw, header }, secret)
          : { ok: false as const, reason: "no_secret_configured" };
        if (!verified.ok) {
          request.log.warn({ reason: verified.reason, mode }, "refused an issuer webhook");
          throw new CardrailError("invalid_credentials", "Invalid webhook signature");
        }
        let body: unknown;
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          throw new CardrailError("validation_error", "Webhook body is not JSON", [
            { field: "body", message: "must be JSON" },
          ]);
        }
        const event = deps.issuerWebhooks.parse(body);
        if (!event) {
          throw new CardrailError("validation_error", "Not a webhook event", [
            { field: "event_id", message: "required" },
          ]);
        }
        const result = await applyIssuerEvent({ ...deps, mode, log: request.log }, event);
        request.log.info({ eventId: event.eventId, type: event.type, result }, "issuer webhook");
        return reply.status(200).send({ received: true, result });
      },
    );
  };
