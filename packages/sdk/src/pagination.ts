/** A page of any list of the API (cursor lists carry `nextCursor`; events only `hasMore`). */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor?: string | null;
}

/**
 * Every item of a list, page after page, each page fetched only when the loop reaches it (a
 * `break` fetches no more). `next` turns a page that `hasMore` into what changes in the query for
 * the page after it. The server cuts pages by position, so walking a list while rows are added
 * still yields every row that existed at the start exactly once.
 */
export async function* paginate<Q extends object, T>(
  first: Q,
  fetchPage: (query: Q) => Promise<Page<T>>,
  next: (page: Page<T>) => Partial<Q> | undefined,
): AsyncGenerator<T, void, undefined> {
  let query = first;
  let previous: string | undefined;
  for (;;) {
    const page = await fetchPage(query);
    yield* page.data;
    if (!page.hasMore) return;
    const step = next(page);
    const key = JSON.stringify(step);
    // Either would loop forever or silently cut the list short: say so instead.
    if (step === undefined || key === previous) {
      throw new Error("Cardrail: a page says hasMore but gives no new way to the next page");
    }
    previous = key;
    query = { ...first, ...step };
  }
}

/** The next page of a cursor list: the previous page's `nextCursor`. */
export function byCursor<T>(page: Page<T>): { cursor: string } | undefined {
  return page.nextCursor ? { cursor: page.nextCursor } : undefined;
}
