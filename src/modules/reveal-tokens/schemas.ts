import { z } from "zod";
import { opaqueId } from "../../core/safe-text.ts";
import { succeeded, timestamp } from "../../http/api-docs.ts";

/**
 * The reveal-token routes' request and response schemas. Redeeming answers the card details,
 * whose schema is the reveal's own (cards/schemas.ts).
 */

export const cardParams = z.object({ cardId: opaqueId() });

export const redeemQuery = z.object({ token: z.string().min(1).max(200) });

export const revealTokenSchema = z.object({
  success: succeeded(),
  token: z.string(),
  expiresAt: timestamp(),
});

/** A minted token as POST /cards/:cardId/reveal-token answers it. */
export type RevealTokenView = z.output<typeof revealTokenSchema>;

export const REVEAL_TOKEN_EXAMPLE = {
  success: true,
  token: "rvt_3q2+7wJ9…",
  expiresAt: "2026-11-22T10:16:30.000Z",
};
