import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { contextFor } from "../../core/context.ts";
import { apiErrors, errorResponses, example } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { revealRateLimit, revealTokenRedeemRateLimit } from "../../http/rate-limits.ts";
import { revealCors } from "../../http/reveal-cors.ts";
import { presentCardDetails } from "../cards/present.ts";
import { CARD_DETAILS_EXAMPLE, cardDetailsSchema } from "../cards/schemas.ts";
import { presentRevealToken } from "./present.ts";
import { cardParams, REVEAL_TOKEN_EXAMPLE, redeemQuery, revealTokenSchema } from "./schemas.ts";
import { mintRevealToken, purgeRevealTokens, redeemRevealToken } from "./tokens.ts";

/**
 * POST /cards/:cardId/reveal-token (API key) → a single-use token; GET /cards/reveal?token=… (no API
 * key: the token is the credential) → the card details once. Registered inside /api/v1.
 */
export const revealTokenRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { settings } = deps;
    const cors = revealCors(settings.revealAllowedOrigins);

    app.post(
      "/cards/:cardId/reveal-token",
      {
        schema: {
          tags: ["cards"],
          summary: "A single-use, short-lived token a browser redeems for the card details",
          description:
            "Lets a cardholder's browser fetch the card details directly (GET /cards/reveal?token=…), so they never pass through your servers.",
          params: cardParams,
          response: {
            201: example(
              revealTokenSchema,
              "The token, valid once until expiresAt",
              REVEAL_TOKEN_EXAMPLE,
            ),
            ...apiErrors("not_found", "card_not_active"),
          },
        },
        // Minting leads to a reveal: it shares the stricter reveal bucket.
        config: revealRateLimit(deps.settings),
      },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        reply.header("cache-control", "no-store");
        const minted = await mintRevealToken(ctx, {
          cardId: request.params.cardId,
          ttlMs: settings.revealTokenTtlMs,
        });
        purgeRevealTokens(ctx).catch((err) =>
          request.log.warn({ err }, "could not purge expired reveal tokens"),
        );
        return reply.status(201).send(presentRevealToken(minted));
      },
    );

    app.get(
      "/cards/reveal",
      {
        schema: {
          tags: ["cards"],
          summary: "Redeem a reveal token (no API key): card number, CVV and expiry, once",
          description:
            "No API key: the token is the credential. A used, expired or unknown token gets 404. Rate limited per client address.",
          querystring: redeemQuery,
          response: {
            200: example(cardDetailsSchema, "The card details", CARD_DETAILS_EXAMPLE),
            ...errorResponses(
              "validation_error",
              "not_found",
              "card_not_active",
              "rate_limited",
              "upstream_rejected",
              "upstream_unavailable",
              "internal_error",
            ),
          },
        },
        config: { auth: false, ...revealTokenRedeemRateLimit(deps.settings) },
        // On every answer, errors included, so an allowed page can read why a redemption failed.
        onSend: async (request, reply, payload) => {
          cors.apply(request, reply);
          return payload;
        },
      },
      async (request, reply) => {
        reply.header("cache-control", "no-store");
        reply.header("pragma", "no-cache");
        reply.header("referrer-policy", "no-referrer");
        const { card, details } = await redeemRevealToken(
          { db: deps.db, now: () => new Date() },
          {
            token: request.query.token,
            requestId: request.id,
            // The browser acts with the grant of the key that minted the token.
            contextFor: (grant) =>
              contextFor(deps, {
                tenantId: grant.tenantId,
                mode: grant.mode,
                actor: { kind: "api_key", apiKeyId: grant.apiKeyId, clientIp: request.ip ?? null },
                log: request.log,
                requestId: request.id,
              }),
          },
        );
        return presentCardDetails(card, details);
      },
    );

    app.options(
      "/cards/reveal",
      { schema: { hide: true }, config: { auth: false } },
      (request, reply) => cors.preflight(request, reply),
    );
  };
