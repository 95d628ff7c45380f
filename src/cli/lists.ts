import type { z } from "zod";
import type { Page, PageRequest } from "../core/page.ts";
import { listAnswer, pageRequest } from "../http/list.ts";
import { CliError } from "./io.ts";

/**
 * The list commands take the API's list query, checked by the API's own schema (limit 1–100,
 * default 20; a cursor of this list only; the status values), so a page means the same thing to
 * an operator as to a tenant. `names` maps each field to the option that carries it.
 */
export function listQuery<S extends z.ZodType<{ limit: number; cursor?: string }>>(
  schema: S,
  names: Record<string, string>,
  values: Record<string, string | undefined>,
  idPattern: RegExp,
): { query: z.output<S>; page: PageRequest } {
  const input = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "");
      return `${names[field] ?? field}: ${issue.message}`;
    });
    throw new CliError(`invalid input: ${problems.join("; ")}`);
  }
  return { query: parsed.data, page: pageRequest(parsed.data, idPattern) };
}

/** The JSON form of a page: the API's list answer (`data`, `hasMore`, `nextCursor`). */
export function pageView<T>(page: Page<T>, idOf: (item: T) => string) {
  const { success: _, ...list } = listAnswer(page, idOf);
  return list;
}

/** The text form's last line: how to ask for the next page, when there is one. */
export const nextPageHint = (nextCursor: string | null): string[] =>
  nextCursor ? [`More: add --cursor ${nextCursor}`] : [];
