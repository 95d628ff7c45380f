/**
 * Which constraint a failed statement violated, whichever driver raised it: `pg` against
 * PostgreSQL and PGlite's in-process connection throw different DatabaseError classes with the
 * same fields (SQLSTATE `code`, `constraint`), so this reads the fields instead of the class.
 */
export interface ConstraintViolation {
  /** SQLSTATE: 23505 unique, 23514 check, 23503 foreign key, 23502 not null. */
  code: string;
  constraint: string | undefined;
}

export function constraintViolation(error: unknown): ConstraintViolation | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  // Class 23 is "integrity constraint violation"; anything else (e.g. ECONNRESET) is not one.
  if (typeof code !== "string" || !/^23[0-9A-Z]{3}$/.test(code)) return null;
  return { code, constraint: typeof constraint === "string" ? constraint : undefined };
}

/** A database error of any driver (has a SQLSTATE and a message), for one-line CLI reports. */
export function isDatabaseError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error) || !("severity" in error)) return false;
  const { code } = error as { code?: unknown };
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}
