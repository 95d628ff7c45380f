import { z } from "zod";

/**
 * No id, name or place of ours contains control characters, and a NUL byte cannot even be sent
 * to PostgreSQL (the query fails: a 500), so text that reaches a query refuses them up front.
 */
export function withoutControlCharacters<T extends z.ZodString>(schema: T): T {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  return schema.regex(/^[^\x00-\x1f\x7f]*$/, "must not contain control characters");
}

/** An id a client sends back to us (in a path, a query or a body): opaque, 1 to 64 characters. */
export const opaqueId = () => withoutControlCharacters(z.string().min(1).max(64));
