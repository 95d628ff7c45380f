import { z } from "zod";
import { decodeCursor, encodeCursor, type Page, type PageRequest } from "../core/page.ts";
import { succeeded } from "./api-docs.ts";

/**
 * The query and answer shape every list shares (docs/api.md, "Lists"): `limit` 1–100 (20),
 * `cursor` from the previous page's `nextCursor`, `createdFrom`/`createdTo` as ISO 8601 times. A
 * cursor of another list (or none at all) is a 400 naming `cursor`, never an empty page.
 */
export function pageQuery(idPattern: RegExp) {
  return z.object({
    limit: z.coerce
      .number("must be a whole number from 1 to 100")
      .int("must be a whole number from 1 to 100")
      .min(1, "must be at least 1")
      .max(100, "must be at most 100")
      .default(20),
    cursor: z
      .string()
      .refine((text) => decodeCursor(text, idPattern) !== null, "is not a cursor of this list")
      .optional()
      .meta({ description: "The previous page's `nextCursor`" }),
    createdFrom: z.iso
      .datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z" })
      .optional()
      .meta({ description: "Only items created at or after this time" }),
    createdTo: z.iso
      .datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z" })
      .optional()
      .meta({ description: "Only items created before this time" }),
  });
}

/** The verb's page request from a validated query (the cursor already checked by pageQuery). */
export function pageRequest(
  query: { limit: number; cursor?: string; createdFrom?: string; createdTo?: string },
  idPattern: RegExp,
): PageRequest {
  return {
    limit: query.limit,
    before: query.cursor ? (decodeCursor(query.cursor, idPattern) ?? undefined) : undefined,
    createdFrom: query.createdFrom ? new Date(query.createdFrom) : undefined,
    createdTo: query.createdTo ? new Date(query.createdTo) : undefined,
  };
}

/** `{ success, data, hasMore, nextCursor }` for items of `item`'s shape. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    success: succeeded(),
    data: z.array(item),
    hasMore: z.boolean(),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: "Pass as `cursor` for the next page; null on the last page" }),
  });
}

/** The list answer for a page, its cursor made from the last item's id. */
export function listAnswer<T>(page: Page<T>, idOf: (item: T) => string) {
  const last = page.items.at(-1);
  return {
    success: true as const,
    data: page.items,
    hasMore: page.hasMore,
    nextCursor: page.hasMore && last ? encodeCursor(idOf(last)) : null,
  };
}
