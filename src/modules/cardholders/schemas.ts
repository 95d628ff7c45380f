import { z } from "zod";
import { idPattern } from "../../core/ids.ts";
import { opaqueId } from "../../core/safe-text.ts";
import { example, succeeded, timestamp } from "../../http/api-docs.ts";
import { listOf, pageQuery } from "../../http/list.ts";
import { cardholderFieldsSchema } from "./fields.ts";

/**
 * The cardholder routes' schemas. Their bodies are multipart forms, read and checked field by field
 * in routes.ts (documented in src/http/openapi.ts); the text fields' rules are in fields.ts.
 */

export const holderParams = z.object({ holderId: opaqueId() });

/** On resubmission only the document's own fields may change; the person's details stay. */
export const documentCorrectionsSchema = cardholderFieldsSchema
  .pick({ kycDocType: true, kycIdNumber: true, kycIssueDate: true, kycExpiryDate: true })
  .partial();

const holderStatus = z.enum(["IN_REVIEW", "ACTIVE", "REJECTED"]);

export const createdCardholderSchema = example(
  z.object({
    success: succeeded(),
    userId: z.string(),
    holderId: z.string().meta({ description: "Opaque; use it to poll the status and issue cards" }),
    holderStatus,
  }),
  "Created; KYC submitted to the issuer (or queued for it)",
  {
    success: true,
    userId: "usr_01JD2X8Q9M4T6V7W8Y9Z0A1B2C",
    holderId: "ch_01JD2X8QA3K5N7P9R1S3T5V7X9",
    holderStatus: "IN_REVIEW",
  },
);

/** What creating a cardholder answers (and stores for replays), `success` aside. */
export type CreatedCardholder = Omit<z.output<typeof createdCardholderSchema>, "success">;

/** `{ success: true, holderId, status, canIssueCard, missingFields? }`: a cardholder's KYC state. */
export const holderStatusSchema = z.object({
  success: succeeded(),
  holderId: z.string(),
  status: holderStatus,
  canIssueCard: z.boolean().meta({ description: "True exactly when status is ACTIVE" }),
  missingFields: z
    .array(z.string())
    .optional()
    .meta({ description: "What the issuer asked to be corrected, while IN_REVIEW" }),
});

export type HolderStatusAnswer = z.output<typeof holderStatusSchema>;

export const holderStatusExample = (status: "IN_REVIEW" | "ACTIVE", description: string) =>
  example(holderStatusSchema, description, {
    success: true,
    holderId: "ch_01JD2X8QA3K5N7P9R1S3T5V7X9",
    status,
    canIssueCard: status === "ACTIVE",
  });

export const HOLDER_ID = idPattern("ch");

/** GET /cardholders/:holderId: the profile; documents as metadata only (never their content). */
export const cardholderSchema = z.object({
  success: succeeded(),
  holderId: z.string(),
  userId: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  country: z.string(),
  status: holderStatus,
  canIssueCard: z.boolean(),
  missingFields: z.array(z.string()).optional(),
  documents: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(["docFront", "docBack", "selfie"]),
      mime: z.string(),
      sizeBytes: z.number().int(),
      createdAt: timestamp(),
      deleted: z
        .boolean()
        .meta({ description: "Purged once KYC was decided and the retention period passed" }),
    }),
  ),
  createdAt: timestamp(),
});

export type CardholderView = z.output<typeof cardholderSchema>;
export const cardholderListItemSchema = cardholderSchema.omit({ success: true });
export type CardholderListItem = z.output<typeof cardholderListItemSchema>;

const CARDHOLDER_EXAMPLE = {
  holderId: "ch_01jd2x8qa3k5n7p9r1s3t5v7x9",
  userId: "usr_01jd2x8q9m4t6v7w8y9z0a1b2c",
  email: "asha.rao@example.com",
  firstName: "Asha",
  lastName: "Rao",
  country: "IN",
  status: "ACTIVE",
  canIssueCard: true,
  documents: [
    {
      id: "doc_01jd2x8qb4c6d8e0f2g4h6j8k0",
      kind: "docFront",
      mime: "image/jpeg",
      sizeBytes: 183_204,
      createdAt: "2026-11-22T10:15:30.000Z",
      deleted: false,
    },
  ],
  createdAt: "2026-11-22T10:15:30.000Z",
};

export const cardholderProfileSchema = example(cardholderSchema, "The cardholder", {
  success: true,
  ...CARDHOLDER_EXAMPLE,
});

export const cardholderListQuery = pageQuery(HOLDER_ID).extend({
  status: holderStatus.optional(),
  email: z.string().trim().toLowerCase().max(254).optional(),
});

export const cardholderListSchema = example(
  listOf(cardholderListItemSchema),
  "A page of cardholders, newest first",
  { success: true, data: [CARDHOLDER_EXAMPLE], hasMore: false, nextCursor: null },
);
