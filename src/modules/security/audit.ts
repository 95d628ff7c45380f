import type { Db } from "../../db/pool.ts";
import { cardIdsNamed, issuerIdsOf } from "../cards/repo.ts";

export interface RevealAuditFilter {
  tenantId?: string;
  /** Our card id or the issuer's. */
  cardId?: string;
  since?: Date;
  limit?: number;
}

export interface RevealAuditEntry {
  revealedAt: string;
  tenantId: string;
  mode: string;
  cardId: string;
  issuerCardId: string | null;
  apiKeyId: string;
  /** "api" for GET /cards/:id/reveal, "token" for a redeemed reveal token (the key that minted it). */
  via: "api" | "token";
  clientIp: string | null;
  requestId: string;
}

/** The reveal audit trail, newest first. Read-only: the rows themselves are never changed. */
export async function listRevealAudit(
  db: Db,
  filter: RevealAuditFilter = {},
): Promise<RevealAuditEntry[]> {
  let query = db
    .selectFrom("reveal_audit as a")
    .leftJoin("reveal_tokens as t", (join) =>
      join.onRef("t.redeemed_request_id", "=", "a.request_id").onRef("t.card_id", "=", "a.card_id"),
    )
    .select([
      "a.created_at",
      "a.tenant_id",
      "a.mode",
      "a.card_id",
      "a.api_key_id",
      "a.client_ip",
      "a.request_id",
      "t.token_hash",
    ]);
  if (filter.tenantId !== undefined) query = query.where("a.tenant_id", "=", filter.tenantId);
  if (filter.cardId !== undefined) {
    // Our id or the issuer's: the cards it names, then their audit rows (cards is its repo's).
    const named = await cardIdsNamed(db, filter.cardId);
    query = query.where("a.card_id", "in", [filter.cardId, ...named]);
  }
  if (filter.since !== undefined) query = query.where("a.created_at", ">=", filter.since);
  const rows = await query
    .orderBy("a.created_at", "desc")
    .orderBy("a.id", "desc")
    .limit(filter.limit ?? 1000)
    .execute();
  const issuerIds = await issuerIdsOf(db, [...new Set(rows.map((r) => r.card_id))]);
  return rows.map((r) => ({
    revealedAt: r.created_at.toISOString(),
    tenantId: r.tenant_id,
    mode: r.mode,
    cardId: r.card_id,
    issuerCardId: issuerIds.get(r.card_id) ?? null,
    apiKeyId: r.api_key_id,
    via: r.token_hash ? "token" : "api",
    clientIp: r.client_ip,
    requestId: r.request_id,
  }));
}
