import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import Fastify, { type FastifyBaseLogger } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { registerAuth } from "./http/auth.ts";
import type { AppDeps } from "./http/deps.ts";
import { sendError } from "./http/envelope.ts";
import { registerErrorHandling, translateError } from "./http/error-handler.ts";
import { healthRoutes } from "./http/health.ts";
import { createMetrics, registerMetrics } from "./http/metrics.ts";
import { registerDocs, registerOpenApi } from "./http/openapi.ts";
import { registerRateLimits } from "./http/rate-limits.ts";
import { requestIdFor } from "./http/request-id.ts";
import { responseSerializer } from "./http/response-schemas.ts";
import type { App } from "./http/types.ts";
import { validatorCompiler } from "./http/validation.ts";
import { cardMoneyRoutes } from "./modules/card-money/routes.ts";
import { cardholderRoutes } from "./modules/cardholders/routes.ts";
import { cardRoutes } from "./modules/cards/routes.ts";
import { inboundWebhookRoutes } from "./modules/inbound/routes.ts";
import { revealTokenRoutes } from "./modules/reveal-tokens/routes.ts";
import { testHelperRoutes } from "./modules/test-helpers/routes.ts";
import { transactionRoutes } from "./modules/transactions/routes.ts";
import { walletRoutes } from "./modules/wallet/routes.ts";
import { webhookRoutes } from "./modules/webhooks/routes.ts";

export type { AppDeps } from "./http/deps.ts";

/** The HTTP app: plugins, routes, error handling. No side effects on import; main.ts listens. */
export async function buildApp(givenDeps: AppDeps, logger: FastifyBaseLogger): Promise<App> {
  // Issuer calls made while serving requests are counted and timed for /metrics.
  const metrics = createMetrics(givenDeps.db);
  const deps: AppDeps = { ...givenDeps, issuerFor: metrics.instrumentIssuers(givenDeps.issuerFor) };
  const app = Fastify({
    loggerInstance: logger,
    genReqId: requestIdFor,
    // JSON bodies are small; multipart uploads are limited separately while they stream.
    bodyLimit: 64 * 1024,
    // Fastify answers malformed URLs and bodies itself before any hook; give those the envelope too.
    frameworkErrors: (error, request, reply) => {
      reply.header("x-request-id", request.id);
      return sendError(request, reply, translateError(error, request.headers["content-type"]));
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Bodies are JSON (or multipart where a route says so): plain text is refused with 415, not
  // parsed into a string that then fails validation as "must be an object".
  app.removeContentTypeParser("text/plain");
  // Response schemas document the API (OpenAPI) and every answer is checked against them: a
  // mismatch is logged, or with STRICT_RESPONSE_SCHEMAS (the tests) answered 500.
  app.setSerializerCompiler(
    responseSerializer(logger, { strict: deps.settings.strictResponseSchemas ?? false }),
  );
  // Before any route: @fastify/swagger collects the routes as they are registered.
  await registerOpenApi(app);

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  registerErrorHandling(app);
  // Security headers; an API serves no HTML, so the strictest content policy costs nothing.
  await app.register(helmet, { global: true });
  await app.register(multipart, { throwFileSizeLimit: true });

  registerMetrics(app, metrics);
  await app.register(healthRoutes(deps));
  await registerDocs(app, logger);
  await app.register(inboundWebhookRoutes(deps));

  await app.register(
    async (api) => {
      registerAuth(api, deps);
      await registerRateLimits(api, deps.settings);
      await api.register(cardholderRoutes(deps));
      await api.register(cardRoutes(deps));
      await api.register(cardMoneyRoutes(deps));
      await api.register(transactionRoutes(deps));
      await api.register(testHelperRoutes(deps));
      await api.register(revealTokenRoutes(deps));
      await api.register(walletRoutes(deps));
      await api.register(webhookRoutes(deps));
    },
    { prefix: "/api/v1" },
  );
  return app;
}
