import type { RevealTokenView } from "./schemas.ts";
import type { MintedToken } from "./tokens.ts";

/** A minted token as the API answers it (the card's id is the caller's already). */
export const presentRevealToken = (minted: MintedToken): RevealTokenView => ({
  success: true,
  token: minted.token,
  expiresAt: minted.expiresAt.toISOString(),
});
