import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { decimalToMinor } from "../../core/money.ts";
import { apiErrors, BODY_ERRORS, example } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { idempotencyHeaders } from "../../http/idempotency-header.ts";
import { revealRateLimit } from "../../http/rate-limits.ts";
import { issueCard } from "./issue.ts";
import { presentCard, presentCardDetails } from "./present.ts";
import { getCard, revealCard } from "./reveal.ts";
import {
  CARD_DETAILS_EXAMPLE,
  CARD_EXAMPLE,
  cardDetailsSchema,
  cardParams,
  cardSchema,
  issueCardBodyDocumented,
} from "./schemas.ts";

export const cardRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/cards",
      {
        schema: {
          tags: ["cards"],
          summary: "Issue a virtual card, debiting the wallet",
          description:
            "Issues a VIRTUAL card to an ACTIVE cardholder; `loadAmount` is debited from the wallet in `currency`. Send an `Idempotency-Key`: a retry then returns the same card and never debits twice.",
          body: issueCardBodyDocumented,
          headers: idempotencyHeaders,
          response: {
            201: example(
              cardSchema,
              "Issued (or, with Idempotent-Replayed: true, a replay)",
              CARD_EXAMPLE,
            ),
            ...apiErrors(
              ...BODY_ERRORS,
              "insufficient_balance",
              "not_found",
              "cardholder_under_verification",
              "cardholder_rejected",
              "idempotency_key_in_use",
              "idempotency_key_reused",
              "upstream_rejected",
              "upstream_unavailable",
            ),
          },
        },
      },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        const body = request.body;
        const amountMinor = decimalToMinor(body.loadAmount, body.currency);
        if (amountMinor === null) throw new Error("unreachable: validated by the schema");
        const result = await issueCard(ctx, {
          holderId: body.holderId,
          productId: body.card_product_id,
          currency: body.currency,
          amountMinor,
          idempotencyKey: request.headers["idempotency-key"],
        });
        if (result.replayed) reply.header("idempotent-replayed", "true");
        return reply.status(201).send(result.card);
      },
    );

    app.get(
      "/cards/:cardId",
      {
        schema: {
          tags: ["cards"],
          summary: "A card (never its number)",
          params: cardParams,
          response: {
            200: example(cardSchema, "The card, masked", {
              ...CARD_EXAMPLE,
              status: "active",
              maskedNumber: "************5678",
            }),
            ...apiErrors("not_found"),
          },
        },
      },
      async (request) => {
        const ctx = tenantContext(deps, request);
        return presentCard(await getCard(ctx, { cardId: request.params.cardId }));
      },
    );

    app.get(
      "/cards/:cardId/reveal",
      {
        schema: {
          tags: ["cards"],
          summary: "Full card number, CVV and expiry (audited)",
          description:
            "Every reveal is audited (key, request id, client address). Answered with `Cache-Control: no-store`. A card still being issued is waited for briefly, then 409 card_not_active.",
          params: cardParams,
          response: {
            200: example(cardDetailsSchema, "The card details", CARD_DETAILS_EXAMPLE),
            ...apiErrors(
              "not_found",
              "card_not_active",
              "upstream_rejected",
              "upstream_unavailable",
            ),
          },
        },
        config: revealRateLimit(deps.settings),
      },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        reply.header("cache-control", "no-store");
        const { card, details } = await revealCard(ctx, { cardId: request.params.cardId });
        return presentCardDetails(card, details);
      },
    );
  };
