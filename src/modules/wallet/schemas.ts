import { z } from "zod";
import { example, succeeded } from "../../http/api-docs.ts";

/** The wallet route's response schema. */

export const walletSchema = example(
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
);

export type WalletView = z.output<typeof walletSchema>;
