import { z } from "zod";
import { majorAmount } from "../../http/amount.ts";
import { example, succeeded, timestamp } from "../../http/api-docs.ts";

/** POST /cards/:cardId/top-ups and /withdrawals: request and response. */

export const moneyOrderBody = z
  .strictObject({ amount: majorAmount() })
  .meta({ examples: [{ amount: 10.5 }] });

export const MONEY_ORDER_EXAMPLE = {
  success: true,
  id: "mo_01jd2xa4b6c8d0e2f4g6h8j0k2",
  cardId: "card_01jd2xa4b6c8d0e2f4g6h8j0k2",
  type: "top_up",
  amount: 10.5,
  currency: "USD",
  status: "succeeded",
  failureReason: null,
  createdAt: "2026-11-22T10:15:30.000Z",
  updatedAt: "2026-11-22T10:15:30.200Z",
};

export const moneyOrderSchema = example(
  z.object({
    success: succeeded(),
    id: z.string(),
    cardId: z.string(),
    type: z.enum(["top_up", "withdrawal"]),
    amount: z.number().meta({ description: "Major units of the card's currency" }),
    currency: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]).meta({
      description:
        "pending: the issuer has not confirmed yet (a withdrawal credits the wallet only once it has); failed: refused, a top-up's debit refunded",
    }),
    failureReason: z.string().nullable(),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  }),
  "The top-up or withdrawal (or, with Idempotent-Replayed: true, a replay)",
  MONEY_ORDER_EXAMPLE,
);

export type MoneyOrderView = z.output<typeof moneyOrderSchema>;
