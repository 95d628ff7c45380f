import { createHash, randomBytes } from "node:crypto";
import type { TenantContext } from "../../core/context.ts";
import { CardrailError, notFound } from "../../core/errors.ts";
import type { SecureCardDetails } from "../../issuer/port.ts";
import { findCard, getCard, revealCard } from "../cards/reveal.ts";
import type { CardRow } from "../cards/row.ts";

/**
 * Reveal tokens: the tenant's server (holding the API key) mints a single-use, short-lived token for
 * one card and hands it to its user's browser, which redeems it directly with Cardrail. The card
 * number then never passes through the tenant's systems (PCI scope stays with us).
 *
 * The token is 256 random bits; only its SHA-256 is stored (a fast hash is enough for a secret this
 * long, and the lookup is by hash, so no comparison timing is exposed).
 */

const TOKEN_PREFIX = "rvt_";

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest();

/** Plausible token syntax: anything else is answered 404 without touching the database. */
export const looksLikeToken = (token: string) => /^rvt_[A-Za-z0-9_-]{43}$/.test(token);

function assertRevealable(card: CardRow): void {
  if ((card.status !== "active" && card.status !== "frozen") || !card.issuer_card_id) {
    throw new CardrailError(
      "card_not_active",
      `The card cannot be revealed while it is ${card.status}`,
      { cardId: card.id, status: card.status },
      card.status === "pending" || card.status === "creating" ? 1 : undefined,
    );
  }
}

export interface MintedToken {
  token: string;
  expiresAt: Date;
  cardId: string;
}

/** A token for a card of this tenant and mode, revealable by the same rules as /reveal; minted by the acting API key. */
export async function mintRevealToken(
  ctx: TenantContext,
  input: { cardId: string; ttlMs: number },
): Promise<MintedToken> {
  const { cardId, ttlMs } = input;
  if (ctx.actor.kind !== "api_key") throw new Error("a reveal token is minted by an API key");
  const apiKeyId = ctx.actor.apiKeyId;
  let card = await findCard(ctx, { cardId });
  // A card still being issued may have become active at the issuer: refresh it once.
  if (card.status === "pending") card = await getCard(ctx, { cardId });
  assertRevealable(card);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const expiresAt = new Date(ctx.now().getTime() + ttlMs);
  await ctx.db
    .insertInto("reveal_tokens")
    .values({
      token_hash: hashToken(token),
      tenant_id: ctx.tenantId,
      mode: ctx.mode,
      card_id: card.id,
      api_key_id: apiKeyId,
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt, cardId: card.id };
}

const gone = () => notFound("Reveal token");

/** Whom a redeemed token acts for: the tenant and mode of its card, and the key that minted it. */
export interface TokenGrant {
  tenantId: string;
  mode: TenantContext["mode"];
  apiKeyId: string;
}

/**
 * Redeems a token once: it is marked used in the same statement that finds it, so two concurrent
 * redemptions cannot both succeed. Unknown, used and expired tokens all get the same 404. The reveal
 * itself is revealCard's, in the context `contextFor` makes for the grant: its audit row names the
 * key that minted the token.
 */
export async function redeemRevealToken(
  base: Pick<TenantContext, "db" | "now">,
  input: {
    token: string;
    requestId: string;
    contextFor: (grant: TokenGrant) => TenantContext;
  },
): Promise<{ card: CardRow; details: SecureCardDetails }> {
  const { token } = input;
  if (!looksLikeToken(token)) throw gone();
  const row = await base.db
    .updateTable("reveal_tokens")
    .set({ redeemed_at: base.now(), redeemed_request_id: input.requestId })
    .where("token_hash", "=", hashToken(token))
    .where("redeemed_at", "is", null)
    .where("expires_at", ">", base.now())
    .returning(["tenant_id", "mode", "card_id", "api_key_id"])
    .executeTakeFirst();
  if (!row) throw gone();
  const ctx = input.contextFor({
    tenantId: row.tenant_id,
    mode: row.mode,
    apiKeyId: row.api_key_id,
  });
  // The card was revealable when the token was minted: no waiting for issuance here.
  return revealCard(ctx, { cardId: row.card_id, waitMs: 0 });
}

/** Drops tokens expired for a day (they are useless; kept a while for investigation). */
export async function purgeRevealTokens(base: Pick<TenantContext, "db" | "now">): Promise<number> {
  const cutoff = new Date(base.now().getTime() - 86_400_000);
  const result = await base.db
    .deleteFrom("reveal_tokens")
    .where("expires_at", "<", cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
