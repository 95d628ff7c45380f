import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiErrors, BODY_ERRORS } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { idempotencyHeaders } from "../../http/idempotency-header.ts";
import { cardParams } from "../cards/schemas.ts";
import { moneyOrderBody, moneyOrderSchema } from "./schemas.ts";
import { topUpCard } from "./top-up.ts";
import { withdrawFromCard } from "./withdraw.ts";

const ERRORS = apiErrors(
  ...BODY_ERRORS,
  "insufficient_balance",
  "not_found",
  "invalid_card_state",
  "idempotency_key_in_use",
  "idempotency_key_reused",
  "upstream_unavailable",
);

/** Money onto a card from the wallet, and off it back to the wallet (docs/card-program.md). */
export const cardMoneyRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    for (const [path, verb, summary] of [
      ["/cards/:cardId/top-ups", topUpCard, "Load money onto a card from the wallet"],
      ["/cards/:cardId/withdrawals", withdrawFromCard, "Take money off a card back to the wallet"],
    ] as const) {
      app.post(
        path,
        {
          schema: {
            tags: ["cards"],
            summary,
            description:
              "Amounts are in the card's currency. Send an `Idempotency-Key`: a retry then returns the same answer and never moves money twice.",
            params: cardParams,
            body: moneyOrderBody,
            headers: idempotencyHeaders,
            response: { 201: moneyOrderSchema, ...ERRORS },
          },
        },
        async (request, reply) => {
          const ctx = tenantContext(deps, request);
          const { order, replayed } = await verb(ctx, {
            cardId: request.params.cardId,
            amount: request.body.amount,
            idempotencyKey: request.headers["idempotency-key"],
          });
          if (replayed) reply.header("idempotent-replayed", "true");
          return reply.status(201).send(order);
        },
      );
    }
  };
