import { z } from "zod";
import { idPattern } from "../../core/ids.ts";
import { isKnownCurrency } from "../../core/money.ts";
import { example, succeeded, timestamp } from "../../http/api-docs.ts";
import { listOf, pageQuery } from "../../http/list.ts";
import { WALLET_TRANSACTION_TYPES } from "./transaction-types.ts";

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

export const LEDGER_TRANSACTION_ID = idPattern("ltx");

export const walletTransactionsQuery = pageQuery(LEDGER_TRANSACTION_ID).extend({
  currency: z
    .string()
    .toUpperCase()
    .refine(isKnownCurrency, "must be an ISO 4217 currency code, e.g. USD")
    .optional(),
});

export const walletTransactionSchema = z
  .object({
    id: z.string(),
    type: z.enum(WALLET_TRANSACTION_TYPES),
    amount: z.number().meta({ description: "Major units: positive into the wallet, negative out" }),
    currency: z.string(),
    balanceAfter: z.number().meta({ description: "The wallet's balance in `currency` after it" }),
    cardId: z.string().nullable(),
    reference: z.string(),
    createdAt: timestamp(),
  })
  .meta({ id: "WalletTransaction" });

export type WalletTransactionView = z.output<typeof walletTransactionSchema>;

export const walletTransactionListSchema = example(
  listOf(walletTransactionSchema),
  "A page of wallet transactions, newest first",
  {
    success: true,
    data: [
      {
        id: "ltx_01jd2xa4b6c8d0e2f4g6h8j0k2",
        type: "top_up",
        amount: -10.5,
        currency: "USD",
        balanceAfter: 969.5,
        cardId: "card_01jd2xa4b6c8d0e2f4g6h8j0k2",
        reference: "topup:mo_01jd2xa4b6c8d0e2f4g6h8j0k2:debit",
        createdAt: "2026-11-22T10:15:30.000Z",
      },
    ],
    hasMore: true,
    nextCursor: "YzE6bHR4XzAxamQyeGE0YjZjOGQwZTJmNGc2aDhqMGsy",
  },
);
