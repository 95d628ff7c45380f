import countries from "i18n-iso-countries";
import { z } from "zod";
import { withoutControlCharacters } from "../../core/safe-text.ts";

/**
 * Rules for the text fields of POST /cardholders (the contract's table, plus the upstream's name
 * rule). One zod schema: it validates, gives the TypeScript type and documents the API.
 */

const NAME = /^\p{L}(?:[\p{L} ]{0,38}\p{L})?$/u;

/** A real calendar date: "2023-02-30" parses in JS as March 2nd, so the round trip must agree. */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === m - 1 &&
    date.getUTCDate() === d &&
    y >= 1900
  );
}

const calendarDate = z.string().trim().refine(isCalendarDate, "must be a real date as YYYY-MM-DD");
const name = z
  .string()
  .regex(NAME, "1-40 letters and spaces, no leading or trailing space")
  .max(40, "at most 40 characters");

export const cardholderFieldsSchema = z
  .object({
    email: z.string().trim().max(254).pipe(z.email("must be a valid email address")),
    firstName: name,
    lastName: name,
    country: z
      .string()
      .trim()
      .toUpperCase()
      .refine(
        (c) => /^[A-Z]{2}$/.test(c) && countries.isValid(c),
        "must be an ISO 3166-1 alpha-2 country code, e.g. IN",
      ),
    mobile: z
      .string()
      .trim()
      .regex(/^\d{4,15}$/, "digits only, 4-15 of them"),
    kycDocType: z.enum(
      ["passport", "id_card", "drivers_license"],
      "must be one of passport, id_card, drivers_license",
    ),
    kycIdNumber: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 /-]{0,49}$/, "1-50 letters, digits, spaces, '-' or '/'"),
    kycDob: calendarDate.optional(),
    kycIssueDate: calendarDate.optional(),
    kycExpiryDate: calendarDate.optional(),
    gender: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(["male", "female", "other"], "must be male, female or other"))
      .optional(),
    areaCode: z
      .string()
      .trim()
      .regex(/^\+?\d{1,4}$/, "a country calling code, 1-4 digits, e.g. 91")
      .transform((v) => v.replace(/^\+/, ""))
      .optional(),
    town: withoutControlCharacters(
      z.string().trim().min(1).max(128, "at most 128 characters"),
    ).optional(),
  })
  .strip();

export type CardholderFields = z.infer<typeof cardholderFieldsSchema>;

/** Rules that compare fields with each other or with today's date. */
export function crossFieldIssues(
  fields: Pick<CardholderFields, "kycDob" | "kycIssueDate" | "kycExpiryDate">,
  today: string,
): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  if (fields.kycExpiryDate && fields.kycExpiryDate < today) {
    issues.push({ field: "kycExpiryDate", message: "the document has expired" });
  }
  if (fields.kycIssueDate && fields.kycIssueDate > today) {
    issues.push({ field: "kycIssueDate", message: "must not be in the future" });
  }
  if (fields.kycIssueDate && fields.kycExpiryDate && fields.kycIssueDate >= fields.kycExpiryDate) {
    issues.push({ field: "kycIssueDate", message: "must be before kycExpiryDate" });
  }
  if (fields.kycDob && fields.kycDob >= today) {
    issues.push({ field: "kycDob", message: "must be in the past" });
  }
  return issues;
}

/** Text fields the multipart parser accepts; anything else is ignored (extra fields in old integrations). */
export const TEXT_FIELDS = new Set(Object.keys(cardholderFieldsSchema.shape));
export const FILE_FIELDS = new Set(["docFront", "docBack", "selfie"]);
