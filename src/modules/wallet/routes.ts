import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiErrors } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { listAnswer, pageRequest } from "../../http/list.ts";
import { walletBalances } from "./ledger.ts";
import { presentWallet } from "./present.ts";
import {
  LEDGER_TRANSACTION_ID,
  walletSchema,
  walletTransactionListSchema,
  walletTransactionsQuery,
} from "./schemas.ts";
import { listWalletTransactions } from "./transactions.ts";

export const walletRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/wallet",
      {
        schema: {
          tags: ["wallet"],
          summary: "The tenant's prepaid wallet balances in this mode",
          response: {
            200: walletSchema,
            ...apiErrors(),
          },
        },
      },
      async (request) => {
        const balances = await walletBalances(deps.db, request.auth.tenantId, request.auth.mode);
        return presentWallet(request.auth.mode, balances);
      },
    );

    app.get(
      "/wallet/transactions",
      {
        schema: {
          tags: ["wallet"],
          summary: "The wallet's ledger in this mode, newest first, with the balance after each",
          querystring: walletTransactionsQuery,
          response: { 200: walletTransactionListSchema, ...apiErrors() },
        },
      },
      async (request) => {
        const page = await listWalletTransactions(
          tenantContext(deps, request),
          { currency: request.query.currency },
          pageRequest(request.query, LEDGER_TRANSACTION_ID),
        );
        return listAnswer(page, (t) => t.id);
      },
    );
  };
