import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { minorToNumber } from "../../core/money.ts";
import { apiErrors, example, succeeded } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { walletBalances } from "./ledger.ts";

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
            200: example(
              z.object({
                success: succeeded(),
                mode: z.enum(["test", "live"]).meta({ description: "The mode of the key used" }),
                balances: z.array(
                  z.object({
                    currency: z.string(),
                    balance: z.number().meta({ description: "Major units" }),
                  }),
                ),
              }),
              "Balances per currency",
              { success: true, mode: "test", balances: [{ currency: "USD", balance: 980 }] },
            ),
            ...apiErrors(),
          },
        },
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
