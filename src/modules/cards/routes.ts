import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { idempotencyHeaders } from "../../http/idempotency-header.ts";
import { revealRateLimit } from "../../http/rate-limits.ts";
import { currencyExponent, decimalToMinor, isKnownCurrency } from "../wallet/money.ts";
import { issueCard } from "./issue.ts";
import { presentCard } from "./present.ts";
import { getCard, revealCard } from "./reveal.ts";

/** The largest load we accept: far above any real prepaid card, far below 2^53 minor units. */
const MAX_LOAD_MAJOR = 1_000_000;

/**
 * An opaque id from the client. Control characters never occur in our or the issuer's ids, and a
 * NUL byte cannot even be sent to PostgreSQL (it fails the query: a 500), so they are refused here.
 */
const opaqueId = () =>
  z
    .string()
    .min(1)
    .max(64)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .regex(/^[^\x00-\x1f\x7f]*$/, "must not contain control characters");

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
      .number("must be a number in major units, e.g. 20 or 20.5")
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

const cardParams = z.object({ cardId: opaqueId() });

export const cardRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/cards",
      {
        schema: {
          tags: ["cards"],
          summary: "Issue a virtual card, debiting the wallet",
          body: issueCardBody,
          headers: idempotencyHeaders,
        },
      },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        const body = request.body;
        const amountMinor = decimalToMinor(body.loadAmount, body.currency);
        if (amountMinor === null) throw new Error("unreachable: validated by the schema");
        const result = await issueCard(
          ctx,
          deps.settings,
          {
            holderId: body.holderId,
            productId: body.card_product_id,
            currency: body.currency,
            amountMinor,
          },
          request.headers["idempotency-key"],
        );
        if (result.replayed) reply.header("idempotent-replayed", "true");
        return reply.status(201).send(result.card);
      },
    );

    app.get(
      "/cards/:cardId",
      { schema: { tags: ["cards"], summary: "A card (never its number)", params: cardParams } },
      async (request) => {
        const ctx = tenantContext(deps, request);
        return presentCard(await getCard(ctx, request.params.cardId));
      },
    );

    app.get(
      "/cards/:cardId/reveal",
      {
        schema: {
          tags: ["cards"],
          summary: "Full card number, CVV and expiry (audited)",
          params: cardParams,
        },
        config: revealRateLimit(deps.settings),
      },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        reply.header("cache-control", "no-store");
        const { card, details } = await revealCard(
          ctx,
          request.params.cardId,
          {
            apiKeyId: request.auth.keyId,
            requestId: request.id,
            clientIp: request.ip ?? null,
          },
          { waitMs: deps.settings.revealWaitMs },
        );
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
