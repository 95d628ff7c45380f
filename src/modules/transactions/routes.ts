import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiErrors } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { listAnswer, pageRequest } from "../../http/list.ts";
import { cardParams } from "../cards/schemas.ts";
import { listTransactions } from "./list.ts";
import {
  cardTransactionListQuery,
  TRANSACTION_ID,
  transactionListQuery,
  transactionListSchema,
} from "./schemas.ts";

/** Card transactions (docs/card-program.md#card-transactions). */
export const transactionRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/transactions",
      {
        schema: {
          tags: ["transactions"],
          summary: "Card transactions, newest first",
          querystring: transactionListQuery,
          response: { 200: transactionListSchema, ...apiErrors("not_found") },
        },
      },
      async (request) => {
        const { cardId, status } = request.query;
        const page = await listTransactions(tenantContext(deps, request), {
          cardId,
          status,
          page: pageRequest(request.query, TRANSACTION_ID),
        });
        return listAnswer(page, (t) => t.id);
      },
    );

    app.get(
      "/cards/:cardId/transactions",
      {
        schema: {
          tags: ["transactions"],
          summary: "A card's transactions, newest first",
          params: cardParams,
          querystring: cardTransactionListQuery,
          response: { 200: transactionListSchema, ...apiErrors("not_found") },
        },
      },
      async (request) => {
        const page = await listTransactions(tenantContext(deps, request), {
          cardId: request.params.cardId,
          status: request.query.status,
          page: pageRequest(request.query, TRANSACTION_ID),
        });
        return listAnswer(page, (t) => t.id);
      },
    );
  };
