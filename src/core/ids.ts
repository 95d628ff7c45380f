import { randomBytes } from "node:crypto";

/**
 * The one id generator: `<prefix>_<26 chars>`, time-ordered (48-bit milliseconds) then 80 random
 * bits, Crockford base32. Sortable by creation for friendly pagination and index locality; opaque
 * to clients, who must not parse them.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export type IdPrefix =
  | "ten"
  | "usr"
  | "ch"
  | "card"
  | "acct"
  | "ltx"
  | "evt"
  | "doc"
  | "we"
  // A card transaction (authorization, settlement…) and a top-up or withdrawal.
  | "txn"
  | "mo";

/** The ids of one prefix, as newId makes them: what a cursor or a path id is checked against. */
export const idPattern = (prefix: IdPrefix) => new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`);

export function newId(prefix: IdPrefix): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  randomBytes(10).copy(bytes, 6);
  let value = BigInt(`0x${bytes.toString("hex")}`);
  let out = "";
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return `${prefix}_${out}`;
}
