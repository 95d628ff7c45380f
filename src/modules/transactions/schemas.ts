import { z } from "zod";
import { idPattern } from "../../core/ids.ts";
import { opaqueId } from "../../core/safe-text.ts";
import { example, timestamp } from "../../http/api-docs.ts";
import { listOf, pageQuery } from "../../http/list.ts";

/** GET /transactions and /cards/:cardId/transactions, and the test helpers' answers. */

export const TRANSACTION_ID = idPattern("txn");

export const TRANSACTION_TYPES = [
  "authorization",
  "reversal",
  "settlement",
  "refund",
  "fee",
  "other",
] as const;
export const TRANSACTION_STATUSES = [
  "pending",
  "approved",
  "declined",
  "reversed",
  "settled",
] as const;

export const transactionSchema = z
  .object({
    id: z.string(),
    cardId: z.string(),
    type: z.enum(TRANSACTION_TYPES).meta({
      description: "`other`: a rarer issuer type (chargeback, ATM deposit, validation…)",
    }),
    status: z.enum(TRANSACTION_STATUSES).meta({
      description: "`reversed`/`settled`: an authorization a later transaction reversed or settled",
    }),
    amount: z.number().meta({ description: "Major units, as the merchant charged it" }),
    currency: z.string(),
    billingAmount: z.number().meta({ description: "What it cost the card, in its currency" }),
    billingCurrency: z.string(),
    merchant: z
      .object({
        name: z.string(),
        mcc: z.string(),
        city: z.string().nullable(),
        country: z.string().nullable(),
      })
      .nullable(),
    declineReason: z.string().nullable(),
    issuerTransactionId: z.string(),
    originalTransactionId: z.string().nullable().meta({
      description: "The issuer's id of the transaction this one reverses, settles or refunds",
    }),
    occurredAt: timestamp(),
    postedAt: timestamp().nullable(),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  })
  .meta({ id: "CardTransaction" });

export type TransactionView = z.output<typeof transactionSchema>;

export const TRANSACTION_EXAMPLE = {
  id: "txn_01jd2xa4b6c8d0e2f4g6h8j0k2",
  cardId: "card_01jd2xa4b6c8d0e2f4g6h8j0k2",
  type: "authorization",
  status: "approved",
  amount: 12.5,
  currency: "USD",
  billingAmount: 12.5,
  billingCurrency: "USD",
  merchant: { name: "Corner Cafe", mcc: "5812", city: "Singapore", country: "SG" },
  declineReason: null,
  issuerTransactionId: "5b0f1a3e-2c4d-4e6f-8a9b-0c1d2e3f4a5b",
  originalTransactionId: null,
  occurredAt: "2026-11-22T10:15:30.000Z",
  postedAt: null,
  createdAt: "2026-11-22T10:15:30.100Z",
  updatedAt: "2026-11-22T10:15:30.100Z",
};

export const transactionListQuery = pageQuery(TRANSACTION_ID).extend({
  cardId: opaqueId().optional(),
  status: z.enum(TRANSACTION_STATUSES).optional(),
});
export const cardTransactionListQuery = pageQuery(TRANSACTION_ID).extend({
  status: z.enum(TRANSACTION_STATUSES).optional(),
});

export const transactionListSchema = example(
  listOf(transactionSchema),
  "A page of card transactions, newest first",
  { success: true, data: [TRANSACTION_EXAMPLE], hasMore: false, nextCursor: null },
);
