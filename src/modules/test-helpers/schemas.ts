import { z } from "zod";
import { isKnownCurrency } from "../../core/money.ts";
import { opaqueId, withoutControlCharacters } from "../../core/safe-text.ts";
import { majorAmount } from "../../http/amount.ts";
import { example } from "../../http/api-docs.ts";
import { TRANSACTION_EXAMPLE, transactionSchema } from "../transactions/schemas.ts";

/** The test helpers' requests and answers. */

export const authorizationBody = z
  .object({
    amount: majorAmount(),
    currency: z
      .string()
      .toUpperCase()
      .refine(isKnownCurrency, "must be an ISO 4217 currency code, e.g. USD"),
    merchant: z.object({
      name: withoutControlCharacters(z.string().trim().min(1).max(100)),
      mcc: z.string().regex(/^\d{4}$/, "must be a 4-digit merchant category code, e.g. 5812"),
      country: z
        .string()
        .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code, e.g. SG")
        .transform((c) => c.toUpperCase())
        .optional(),
      city: withoutControlCharacters(z.string().trim().min(1).max(100)).optional(),
    }),
  })
  .meta({
    examples: [
      {
        amount: 12.5,
        currency: "USD",
        merchant: { name: "Corner Cafe", mcc: "5812", country: "SG" },
      },
    ],
  });

export const transactionParams = z.object({ transactionId: opaqueId() });

// A copy of the component (extend makes a new schema): the example belongs to this answer only.
export const simulatedTransactionSchema = example(
  transactionSchema.extend({}),
  "The resulting transaction (approved or declined)",
  TRANSACTION_EXAMPLE,
);
