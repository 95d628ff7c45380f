/**
 * Pagination shared by every list: newest first, walked by keyset on time-ordered ids
 * (src/core/ids.ts). A page request names the last id the client has seen, never an offset, so a
 * row inserted while a client walks the list can neither shift a row it has not seen yet onto a
 * page it has already read (a duplicate) nor off the next one (a gap): every row committed before
 * the walk started appears exactly once.
 */

export interface PageRequest {
  /** 1–100. */
  limit: number;
  /** Only rows with a smaller id than this one (the last id of the previous page). */
  before?: string;
  /** Inclusive lower and exclusive upper bound on the row's creation time. */
  createdFrom?: Date;
  createdTo?: Date;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

/** A page from `limit + 1` rows fetched in list order: the extra row only says there is more. */
export function pageOf<T>(rows: T[], limit: number): Page<T> {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

const CURSOR_VERSION = "c1";

/**
 * The cursor a client sends back: opaque, so the ordering can change without breaking clients
 * that store one. Today it is the last id of the page, versioned and base64url-encoded.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`${CURSOR_VERSION}:${lastId}`, "utf8").toString("base64url");
}

/** The id inside a cursor, or null when the text is not a cursor of this list (`idPattern`). */
export function decodeCursor(cursor: string, idPattern: RegExp): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const [version, id, ...rest] = text.split(":");
  if (version !== CURSOR_VERSION || rest.length > 0 || !id || !idPattern.test(id)) return null;
  return id;
}
