import type { ColumnType } from "kysely";

/** Column types shared by the row types (schema.ts): timestamps arrive as Date, dates as text; the two modes. */

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
export type DateOnly = ColumnType<string | null, string | null | undefined, string | null>;
export type Mode = "test" | "live";
