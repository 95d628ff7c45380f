/** Small request helpers shared by the routes: body parsing and paging. */
import type { z } from "zod";
import { invalidRequest, zodMessage } from "./errors.ts";

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw invalidRequest(zodMessage(r.error.issues));
  return r.data;
}

export type Query = Record<string, string | undefined>;

/** page_size 10–100 (default 10), page_number ≥ 1 (default 1). */
export function paginate<T>(
  items: T[],
  q: Query,
): { total_pages: number; total_items: number; data: T[] } {
  const size = q.page_size === undefined ? 10 : Number(q.page_size);
  const page = q.page_number === undefined ? 1 : Number(q.page_number);
  if (!Number.isInteger(size) || size < 10 || size > 100)
    throw invalidRequest("page_size: must be an integer between 10 and 100");
  if (!Number.isInteger(page) || page < 1)
    throw invalidRequest("page_number: must be an integer greater than or equal to 1");
  return {
    total_pages: Math.ceil(items.length / size),
    total_items: items.length,
    data: items.slice((page - 1) * size, page * size),
  };
}
