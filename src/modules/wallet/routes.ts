import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppDeps } from "../../http/deps.ts";
import { walletBalances } from "./ledger.ts";
import { minorToNumber } from "./money.ts";

export const walletRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/wallet",
      {
        schema: { tags: ["wallet"], summary: "The tenant's prepaid wallet balances in this mode" },
      },
      async (request) => {
        const balances = await walletBalances(deps.db, request.auth.tenantId, request.auth.mode);
        return {
          success: true,
          mode: request.auth.mode,
          balances: balances.map((b) => ({
            currency: b.currency,
            balance: minorToNumber(b.balance, b.currency),
          })),
        };
      },
    );
  };
