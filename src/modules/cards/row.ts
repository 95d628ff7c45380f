import type { Selectable } from "kysely";
import type { CardsTable } from "../../db/schema.ts";

/**
 * A card as stored. In a file of its own because both settle.ts (which moves cards between states)
 * and present.ts (which shows them) need it, and settle.ts already uses present.ts: defined in
 * either, it made the two a cycle.
 */
export type CardRow = Selectable<CardsTable>;
