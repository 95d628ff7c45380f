import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiErrors, BODY_ERRORS } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { cardParams } from "../cards/schemas.ts";
import { authorizationBody, simulatedTransactionSchema, transactionParams } from "./schemas.ts";
import { simulateAuthorization, simulateFollowUp } from "./simulate.ts";

/** Test keys only (404 for live keys): drive a card's life against the simulated issuer. */
export const testHelperRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/test-helpers/cards/:cardId/authorizations",
      {
        schema: {
          tags: ["test helpers"],
          summary: "Simulate a purchase on a test card",
          description:
            "Approved or declined by the simulated issuer's rules (balance, status, controls); a decline is a transaction with status `declined`. Test keys only: 404 for live keys.",
          params: cardParams,
          body: authorizationBody,
          response: {
            201: simulatedTransactionSchema,
            ...apiErrors(...BODY_ERRORS, "not_found", "card_not_active", "upstream_unavailable"),
          },
        },
      },
      async (request, reply) => {
        const transaction = await simulateAuthorization(tenantContext(deps, request), {
          cardId: request.params.cardId,
          ...request.body,
        });
        return reply.status(201).send(transaction);
      },
    );

    for (const action of ["reverse", "settle", "refund"] as const) {
      app.post(
        `/test-helpers/transactions/:transactionId/${action}`,
        {
          schema: {
            tags: ["test helpers"],
            summary: `Simulate the issuer's ${action === "reverse" ? "reversal" : action === "settle" ? "settlement" : "refund"} of a test transaction`,
            params: transactionParams,
            response: {
              201: simulatedTransactionSchema,
              ...apiErrors("not_found", "upstream_rejected", "upstream_unavailable"),
            },
          },
        },
        async (request, reply) => {
          const transaction = await simulateFollowUp(tenantContext(deps, request), {
            transactionId: request.params.transactionId,
            action,
          });
          return reply.status(201).send(transaction);
        },
      );
    }
  };
