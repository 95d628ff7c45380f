import { z } from "zod";
import { idPattern } from "../../core/ids.ts";
import { currencyExponent, decimalToMinor, isKnownCurrency } from "../../core/money.ts";
import { opaqueId } from "../../core/safe-text.ts";
import { majorAmount } from "../../http/amount.ts";
import { example, succeeded, timestamp } from "../../http/api-docs.ts";
import { listOf, pageQuery } from "../../http/list.ts";

/**
 * The card routes' request and response schemas, with the examples the API reference shows. The
 * response types below are what the presenters return (present.ts imports them as types only).
 */

/** The largest load we accept: far above any real prepaid card, far below 2^53 minor units. */
const MAX_LOAD_MAJOR = 1_000_000;

export const issueCardBody = z
  .object({
    holderId: opaqueId(),
    cardType: z
      .string()
      .toLowerCase()
      .pipe(z.literal("virtual", "only virtual cards can be issued"))
      .default("virtual"),
    // The contract sends a string; a number is accepted too, since clients often serialise ids that look numeric.
    card_product_id: z.union([opaqueId(), z.number().int().nonnegative().transform(String)]),
    currency: z
      .string()
      .toUpperCase()
      .refine(isKnownCurrency, "must be an ISO 4217 currency code, e.g. USD"),
    loadAmount: z
      .number({
        error: (issue) =>
          issue.input === undefined
            ? "required"
            : "must be a number in major units, e.g. 20 or 20.5",
      })
      .positive("must be greater than 0")
      .max(MAX_LOAD_MAJOR, `must be at most ${MAX_LOAD_MAJOR}`),
  })
  .superRefine((body, ctx) => {
    if (isKnownCurrency(body.currency) && decimalToMinor(body.loadAmount, body.currency) === null) {
      ctx.addIssue({
        code: "custom",
        path: ["loadAmount"],
        message: `at most ${currencyExponent(body.currency)} decimal places for ${body.currency}`,
      });
    }
  });

export const issueCardBodyDocumented = issueCardBody.meta({
  examples: [
    {
      holderId: "ch_01JD2X8QA3K5N7P9R1S3T5V7X9",
      cardType: "virtual",
      card_product_id: "111031",
      currency: "USD",
      loadAmount: 20,
    },
  ],
});

export const cardParams = z.object({
  cardId: opaqueId().meta({ description: "Our cardId or the issuer's uqpayCardId" }),
});

export const CARD_EXAMPLE = {
  success: true,
  cardId: "card_01JD2XA4B6C8D0E2F4G6H8J0K2",
  uqpayCardId: "c0a8f3e2-5b1d-4c7e-9f20-3d4e5a6b7c8d",
  holderId: "ch_01JD2X8QA3K5N7P9R1S3T5V7X9",
  status: "pending",
  currency: "USD",
  loadAmount: 20,
  loadedBalance: 20,
  cardProductId: "111031",
  // Known once the issuer has created the card; `null` while it is pending.
  maskedNumber: null,
  createdAt: "2026-11-22T10:15:30.000Z",
  availableBalance: null,
  pendingStatus: null,
  spendingLimits: [],
  controls: {},
};

const SPENDING_INTERVALS = [
  "per_transaction",
  "daily",
  "weekly",
  "monthly",
  "yearly",
  "all_time",
] as const;

export const spendingLimitSchema = z.object({
  amount: z.number().meta({ description: "Major units of the card's currency" }),
  interval: z.enum(SPENDING_INTERVALS).meta({
    description: "Only what the issuer confirms it enforces is accepted (UQPay: per_transaction)",
  }),
});

const mccList = z
  .array(z.string().regex(/^\d{4}$/, "must be a 4-digit merchant category code"))
  .min(1)
  .max(200)
  .refine((codes) => new Set(codes).size === codes.length, "each merchant category code once")
  .nullable();

/** The issuer's risk controls, in our names; unknown keys are refused, never dropped. */
export const controlsSchema = z.strictObject({
  allow3dsTransactions: z.boolean().optional(),
  enable3ds: z.boolean().optional(),
  allowedMcc: mccList
    .optional()
    .meta({ description: "Only these merchant categories; null removes the list" }),
  blockedMcc: mccList
    .optional()
    .meta({ description: "Never these merchant categories; null removes the list" }),
});

export const cardSchema = z.object({
  success: succeeded(),
  cardId: z.string(),
  uqpayCardId: z.string().nullable().meta({ description: "The issuer's id; null while creating" }),
  holderId: z.string(),
  status: z
    .string()
    .meta({ description: "creating, pending, active, frozen, cancelled or failed" }),
  currency: z.string(),
  loadAmount: z.number().meta({ description: "Major units, e.g. 20 or 20.5" }),
  loadedBalance: z
    .number()
    .meta({ description: "0 when the card failed (the debit was refunded)" }),
  cardProductId: z.string(),
  maskedNumber: z.string().nullable(),
  createdAt: timestamp(),
  availableBalance: z.number().nullable().meta({
    description: "What the card can spend now, as the issuer last said (null: not known yet)",
  }),
  pendingStatus: z.enum(["active", "frozen", "cancelled"]).nullable().meta({
    description:
      "A status change the issuer has not confirmed yet; `status` is the card's until it has",
  }),
  spendingLimits: z.array(spendingLimitSchema),
  controls: controlsSchema,
});

/** The card as the API shows it. Contract fields keep their names; additions are camelCase. */
export type CardView = z.output<typeof cardSchema>;

/** GET /cards/:cardId/reveal and GET /cards/reveal?token=…: the contract's snake_case fields. */
export const cardDetailsSchema = z.object({
  success: succeeded(),
  cardDetails: z.object({
    card_id: z.string().nullable().meta({ description: "The issuer's card id (uqpayCardId)" }),
    card_number: z.string(),
    cvv: z.string(),
    expiry_date: z.string().meta({ description: "MM/YY" }),
  }),
});

export type CardDetailsView = z.output<typeof cardDetailsSchema>;

export const CARD_DETAILS_EXAMPLE = {
  success: true,
  cardDetails: {
    card_id: "c0a8f3e2-5b1d-4c7e-9f20-3d4e5a6b7c8d",
    card_number: "4096360812345678",
    cvv: "123",
    expiry_date: "11/29",
  },
};

function cardItemExample() {
  const { success: _, ...item } = CARD_EXAMPLE;
  return item;
}

/** A card as a list shows it: the single GET's object, without `success`. */
export const cardListItemSchema = cardSchema.omit({ success: true });
export type CardListItem = z.output<typeof cardListItemSchema>;

export const CARD_ID = idPattern("card");

export const cardListQuery = pageQuery(CARD_ID).extend({
  status: z.enum(["creating", "pending", "active", "frozen", "cancelled", "failed"]).optional(),
  holderId: opaqueId().optional(),
});

export const cardListSchema = example(listOf(cardListItemSchema), "A page of cards, newest first", {
  success: true,
  data: [{ ...cardItemExample(), status: "active", maskedNumber: "************5678" }],
  hasMore: false,
  nextCursor: null,
});

/** PATCH /cards/:cardId: spend controls (absent = unchanged). */
export const updateCardBody = z
  .strictObject({
    spendingLimits: z
      .array(z.strictObject({ amount: majorAmount(), interval: z.enum(SPENDING_INTERVALS) }))
      .max(10)
      // Two limits on one interval would leave it to the issuer which one holds.
      .refine(
        (limits) => new Set(limits.map((l) => l.interval)).size === limits.length,
        "one limit per interval",
      )
      .optional(),
    controls: controlsSchema.optional(),
  })
  .meta({
    examples: [
      {
        spendingLimits: [{ amount: 50, interval: "per_transaction" }],
        controls: { blockedMcc: ["7995"], allowedMcc: null },
      },
    ],
  });
