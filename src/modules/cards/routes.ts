import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { decimalToMinor } from "../../core/money.ts";
import { apiErrors, BODY_ERRORS, example } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { idempotencyHeaders } from "../../http/idempotency-header.ts";
import { listAnswer, pageRequest } from "../../http/list.ts";
import { revealRateLimit } from "../../http/rate-limits.ts";
import { updateCardControls } from "./controls.ts";
import { issueCard } from "./issue.ts";
import { changeCardStatus } from "./lifecycle.ts";
import { listCards } from "./list.ts";
import { presentCard, presentCardDetails } from "./present.ts";
import { getCard, revealCard } from "./reveal.ts";
import {
  CARD_DETAILS_EXAMPLE,
  CARD_EXAMPLE,
  CARD_ID,
  cardDetailsSchema,
  cardListQuery,
  cardListSchema,
  cardParams,
  cardSchema,
  issueCardBodyDocumented,
  updateCardBody,
} from "./schemas.ts";

const ACTIVE_CARD_EXAMPLE = { ...CARD_EXAMPLE, status: "active", maskedNumber: "************5678" };

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
            200: example(cardSchema, "The card, masked", ACTIVE_CARD_EXAMPLE),
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

    app.get(
      "/cards",
      {
        schema: {
          tags: ["cards"],
          summary: "Cards, newest first",
          querystring: cardListQuery,
          response: { 200: cardListSchema, ...apiErrors() },
        },
      },
      async (request) => {
        const { status, holderId } = request.query;
        const page = await listCards(tenantContext(deps, request), {
          status,
          holderId,
          page: pageRequest(request.query, CARD_ID),
        });
        return listAnswer(page, (card) => card.cardId);
      },
    );

    for (const action of ["freeze", "unfreeze", "cancel"] as const) {
      app.post(
        `/cards/:cardId/${action}`,
        {
          schema: {
            tags: ["cards"],
            summary: {
              freeze: "Freeze a card (every purchase declined until unfrozen)",
              unfreeze: "Unfreeze a frozen card",
              cancel: "Cancel a card for good; what is left on it returns to the wallet",
            }[action],
            description:
              "The issuer confirms asynchronously: until it has, the card keeps its `status` and shows `pendingStatus`. Repeating the request is not an error.",
            params: cardParams,
            response: {
              200: example(cardSchema, "The card", {
                ...ACTIVE_CARD_EXAMPLE,
                pendingStatus: "frozen",
              }),
              ...apiErrors(
                "not_found",
                "invalid_card_state",
                "upstream_rejected",
                "upstream_unavailable",
              ),
            },
          },
        },
        async (request) => {
          const ctx = tenantContext(deps, request);
          return presentCard(
            await changeCardStatus(ctx, { cardId: request.params.cardId, action }),
          );
        },
      );
    }

    app.patch(
      "/cards/:cardId",
      {
        schema: {
          tags: ["cards"],
          summary: "Change a card's spending limits and controls",
          description:
            "What the issuer cannot enforce is refused with 400 naming the field, never dropped.",
          params: cardParams,
          body: updateCardBody,
          response: {
            200: example(cardSchema, "The card with its controls", {
              ...ACTIVE_CARD_EXAMPLE,
              spendingLimits: [{ amount: 50, interval: "per_transaction" }],
              controls: { blockedMcc: ["7995"] },
            }),
            ...apiErrors(
              ...BODY_ERRORS,
              "not_found",
              "invalid_card_state",
              "upstream_rejected",
              "upstream_unavailable",
            ),
          },
        },
      },
      async (request) => {
        const ctx = tenantContext(deps, request);
        const card = await updateCardControls(ctx, {
          cardId: request.params.cardId,
          ...request.body,
        });
        return presentCard(card);
      },
    );
  };
