import { type Insertable, sql, type UpdateObject } from "kysely";
import { claimDue } from "../../db/claim.ts";
import type { Db, DbOrTx, Tx } from "../../db/pool.ts";
import type { CardsTable, Database, Mode } from "../../db/schema.ts";
import type { CardRow } from "./row.ts";

/**
 * The cards table: the only file that queries it (test/architecture/repositories.test.ts). Every
 * function takes the database or the caller's transaction, so a verb decides what commits together.
 */

export async function insertCard(db: DbOrTx, card: Insertable<CardsTable>): Promise<CardRow> {
  return db.insertInto("cards").values(card).returningAll().executeTakeFirstOrThrow();
}

/** A card known to exist (its id came from our own records). */
export async function cardById(db: DbOrTx, cardId: string): Promise<CardRow> {
  return db.selectFrom("cards").selectAll().where("id", "=", cardId).executeTakeFirstOrThrow();
}

/** A card of this tenant and mode by our id or the issuer's id, or undefined. */
export async function tenantCard(
  db: DbOrTx,
  scope: { tenantId: string; mode: Mode },
  cardId: string,
): Promise<CardRow | undefined> {
  return db
    .selectFrom("cards")
    .selectAll()
    .where((eb) => eb.or([eb("id", "=", cardId), eb("issuer_card_id", "=", cardId)]))
    .where("tenant_id", "=", scope.tenantId)
    .where("mode", "=", scope.mode)
    .executeTakeFirst();
}

/** The card an issuer event names in a mode: by the issuer's id, or by our reference on creation. */
export async function cardOfIssuerEvent(
  db: DbOrTx,
  mode: Mode,
  ids: { issuerCardId: string; cardRef?: string },
): Promise<CardRow | undefined> {
  const { cardRef, issuerCardId } = ids;
  return db
    .selectFrom("cards")
    .selectAll()
    .where("mode", "=", mode)
    .where((eb) =>
      cardRef
        ? eb.or([eb("id", "=", cardRef), eb("issuer_card_id", "=", issuerCardId)])
        : eb("issuer_card_id", "=", issuerCardId),
    )
    .executeTakeFirst();
}

/** The card, locked until the transaction ends: its state changes one at a time. */
export async function lockCard(tx: Tx, cardId: string): Promise<CardRow> {
  return tx
    .selectFrom("cards")
    .selectAll()
    .where("id", "=", cardId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function updateCard(
  db: DbOrTx,
  cardId: string,
  changes: UpdateObject<Database, "cards">,
): Promise<CardRow> {
  return db
    .updateTable("cards")
    .set(changes)
    .where("id", "=", cardId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * For the recovery sweep: claims cards `creating` or `pending` untouched for `olderThanMs` whose
 * Idempotency-Key no live request holds, and bumps their `updated_at` so concurrent sweeps in other
 * processes pass them by (SKIP LOCKED, db/claim.ts).
 */
export async function claimUnsettledCards(
  db: Db,
  olderThanMs: number,
  batchSize: number,
): Promise<CardRow[]> {
  return claimDue(
    db,
    (tx) =>
      tx
        .selectFrom("cards")
        .select("id")
        .where("status", "in", ["creating", "pending"])
        .where("updated_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("idempotency_keys")
                .select(sql`1`.as("one"))
                .whereRef("idempotency_keys.card_id", "=", "cards.id")
                .where("idempotency_keys.lock_token", "is not", null)
                .where("idempotency_keys.lease_expires_at", ">", sql<Date>`now()`),
            ),
          ),
        )
        .orderBy("updated_at")
        .limit(batchSize),
    (tx, ids) =>
      tx
        .updateTable("cards")
        .set({ updated_at: sql<Date>`now()` })
        .where("id", "in", ids)
        .returningAll()
        .execute(),
  );
}

/** For reconciliation: cards still `creating` or `pending` since before `olderThanMs` ago. */
export async function cardsUnsettledSince(db: DbOrTx, olderThanMs: number) {
  return db
    .selectFrom("cards")
    .select(["id", "tenant_id", "mode", "status", "created_at"])
    .where("status", "in", ["creating", "pending"])
    .where("created_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .execute();
}

/** For reconciliation: every card the issuer has an id for, in a stable order. */
export async function cardsKnownToIssuer(db: DbOrTx) {
  return db
    .selectFrom("cards")
    .select([
      "id",
      "tenant_id",
      "mode",
      "status",
      "currency",
      "load_amount",
      "issuer_card_id",
      "balance_returned_at",
    ])
    .where("issuer_card_id", "is not", null)
    .orderBy("id")
    .execute();
}

/** The issuer's ids of these cards (for the reveal audit trail, which names both). */
export async function issuerIdsOf(
  db: DbOrTx,
  cardIds: readonly string[],
): Promise<Map<string, string | null>> {
  if (cardIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("cards")
    .select(["id", "issuer_card_id"])
    .where("id", "in", [...cardIds])
    .execute();
  return new Map(rows.map((r) => [r.id, r.issuer_card_id]));
}

/** Our ids of the cards, of any tenant, that `cardId` names (our id or the issuer's): for the operator's audit. */
export async function cardIdsNamed(db: DbOrTx, cardId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("cards")
    .select("id")
    .where((eb) => eb.or([eb("id", "=", cardId), eb("issuer_card_id", "=", cardId)]))
    .execute();
  return rows.map((r) => r.id);
}
