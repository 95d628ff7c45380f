import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiErrors } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { walletBalances } from "./ledger.ts";
import { presentWallet } from "./present.ts";
import { walletSchema } from "./schemas.ts";

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
  };
