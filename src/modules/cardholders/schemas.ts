import { z } from "zod";
import { opaqueId } from "../../core/safe-text.ts";
import { example, succeeded } from "../../http/api-docs.ts";
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
