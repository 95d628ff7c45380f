import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { CardrailError, notFound } from "../../core/errors.ts";
import type { SecureCardDetails } from "../../issuer/port.ts";
import { isIssuerRefusal } from "../../issuer/port.ts";
import { tenantCard } from "./repo.ts";
import type { CardRow } from "./row.ts";
import { refreshCard } from "./settle.ts";

/** A card of this tenant and mode by our id or the issuer's id (the contract accepts both). */
export async function findCard(
  ctx: Pick<TenantContext, "db" | "tenantId" | "mode">,
  input: { cardId: string },
): Promise<CardRow> {
  const { cardId } = input;
  const card = await tenantCard(ctx.db, ctx, cardId);
  if (!card) throw notFound("Card");
  return card;
}

/** The card, refreshed from the issuer while it is still being issued. */
export async function getCard(ctx: TenantContext, input: { cardId: string }): Promise<CardRow> {
  const card = await findCard(ctx, input);
  if (card.status !== "pending" || !ctx.issuer) return card;
  try {
    return await refreshCard(ctx, card);
  } catch (error) {
    ctx.log.warn(
      { err: error, cardId: card.id },
      "could not refresh card; returning the last known state",
    );
    return card;
  }
}

/**
 * The card once it is issued, or as it stands after `waitMs`: the contract's flow reveals right
 * after creating, while the issuer may still be activating the card (sub-second in test mode).
 */
async function waitUntilIssued(
  ctx: TenantContext,
  cardId: string,
  waitMs: number,
): Promise<CardRow> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const card = await getCard(ctx, { cardId });
    if ((card.status !== "pending" && card.status !== "creating") || Date.now() >= deadline)
      return card;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * Fetches number, CVV and expiry from the issuer at reveal time. Nothing of them is stored, cached
 * or logged; the reveal itself is written to the audit trail (the acting API key, its address, the
 * request) before the details are returned, so a reveal that cannot be audited is not made.
 * `waitMs` (default: the revealWaitMs setting) is how long a card still being issued is waited for.
 */
export async function revealCard(
  ctx: TenantContext,
  input: { cardId: string; waitMs?: number },
): Promise<{ card: CardRow; details: SecureCardDetails }> {
  const { actor, requestId } = ctx;
  // Only an API key's request can be audited as the contract requires (key, address, request).
  if (actor.kind !== "api_key" || !requestId)
    throw new Error("a reveal is made for an API key's request");
  const card = await waitUntilIssued(ctx, input.cardId, input.waitMs ?? ctx.settings.revealWaitMs);
  const issuer = requireIssuer(ctx);
  if ((card.status !== "active" && card.status !== "frozen") || !card.issuer_card_id) {
    throw new CardrailError(
      "card_not_active",
      `The card cannot be revealed while it is ${card.status}`,
      {
        cardId: card.id,
        status: card.status,
      },
      card.status === "pending" || card.status === "creating" ? 1 : undefined,
    );
  }
  let details: SecureCardDetails;
  try {
    details = await issuer.getSecureDetails(card.issuer_card_id);
  } catch (error) {
    if (isIssuerRefusal(error)) {
      throw new CardrailError("upstream_rejected", "The card issuer refused to reveal the card");
    }
    throw new CardrailError(
      "upstream_unavailable",
      "The card issuer could not be reached; retry shortly",
      undefined,
      2,
    );
  }
  await ctx.db
    .insertInto("reveal_audit")
    .values({
      tenant_id: ctx.tenantId,
      mode: ctx.mode,
      card_id: card.id,
      api_key_id: actor.apiKeyId,
      request_id: requestId,
      client_ip: actor.clientIp,
    })
    .execute();
  return { card, details };
}
