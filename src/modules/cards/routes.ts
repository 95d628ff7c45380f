import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { currencyExponent, decimalToMinor, isKnownCurrency } from "../../core/money.ts";
import { opaqueId } from "../../core/safe-text.ts";
import {
  apiErrors,
  BODY_ERRORS,
  CARD_DETAILS_EXAMPLE,
  cardDetailsSchema,
  example,
  succeeded,
  timestamp,
} from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { idempotencyHeaders } from "../../http/idempotency-header.ts";
import { revealRateLimit } from "../../http/rate-limits.ts";
import { issueCard } from "./issue.ts";
import { presentCard } from "./present.ts";
import { getCard, revealCard } from "./reveal.ts";

/** The largest load we accept: far above any real prepaid card, far below 2^53 minor units. */
const MAX_LOAD_MAJOR = 1_000_000;

export const issueCardBody = z
  .object({
    holderId: opaqueId(),
    cardType: z
      .string()
      .toLowerCase()
      .pipe(z.literal("virtual", "only virtual cards can be issued"))
      .default("virtual"),
    // The contract sends a string; a number is accepted too, since clients often serialise ids that look numeric.
    card_product_id: z.union([opaqueId(), z.number().int().nonnegative().transform(String)]),
    currency: z
      .string()
      .toUpperCase()
      .refine(isKnownCurrency, "must be an ISO 4217 currency code, e.g. USD"),
    loadAmount: z
      .number({
        error: (issue) =>
          issue.input === undefined
            ? "required"
            : "must be a number in major units, e.g. 20 or 20.5",
      })
      .positive("must be greater than 0")
      .max(MAX_LOAD_MAJOR, `must be at most ${MAX_LOAD_MAJOR}`),
  })
  .superRefine((body, ctx) => {
    if (isKnownCurrency(body.currency) && decimalToMinor(body.loadAmount, body.currency) === null) {
      ctx.addIssue({
        code: "custom",
        path: ["loadAmount"],
        message: `at most ${currencyExponent(body.currency)} decimal places for ${body.currency}`,
      });
    }
  });

const cardParams = z.object({
  cardId: opaqueId().meta({ description: "Our cardId or the issuer's uqpayCardId" }),
});

const CARD_EXAMPLE = {
  success: true,
  cardId: "card_01JD2XA4B6C8D0E2F4G6H8J0K2",
  uqpayCardId: "c0a8f3e2-5b1d-4c7e-9f20-3d4e5a6b7c8d",
  holderId: "ch_01JD2X8QA3K5N7P9R1S3T5V7X9",
  status: "pending",
  currency: "USD",
  loadAmount: 20,
  loadedBalance: 20,
  cardProductId: "111031",
  // Known once the issuer has created the card; `null` while it is pending.
  maskedNumber: null,
  createdAt: "2026-11-22T10:15:30.000Z",
};

const cardSchema = z.object({
  success: succeeded(),
  cardId: z.string(),
  uqpayCardId: z.string().nullable().meta({ description: "The issuer's id; null while creating" }),
  holderId: z.string(),
  status: z
    .string()
    .meta({ description: "creating, pending, active, frozen, cancelled or failed" }),
  currency: z.string(),
  loadAmount: z.number().meta({ description: "Major units, e.g. 20 or 20.5" }),
  loadedBalance: z
    .number()
    .meta({ description: "0 when the card failed (the debit was refunded)" }),
  cardProductId: z.string(),
  maskedNumber: z.string().nullable(),
  createdAt: timestamp(),
});

const issueCardBodyDocumented = issueCardBody.meta({
  examples: [
    {
      holderId: "ch_01JD2X8QA3K5N7P9R1S3T5V7X9",
      cardType: "virtual",
      card_product_id: "111031",
      currency: "USD",
      loadAmount: 20,
    },
  ],
});

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
        return {
          success: true,
          cardDetails: {
            card_id: card.issuer_card_id,
            card_number: details.cardNumber,
            cvv: details.cvv,
            expiry_date: details.expiryDate,
          },
        };
      },
    );
  };
