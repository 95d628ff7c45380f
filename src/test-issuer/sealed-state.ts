import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { keyFromPepper } from "../modules/tenants/api-keys.ts";

/**
 * The shared simulator's state, as kept in the database: sealed with AES-256-GCM under a key
 * derived from the pepper (configuration, never the database). The simulated issuer's cards have
 * numbers and CVVs; Cardrail's database never holds a card number in the clear, even a test one.
 */
export function stateSealer(pepper: string | undefined) {
  const key = keyFromPepper(pepper, "cardrail test issuer state");
  return {
    seal(json: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
      return `sealed:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    /** The state, or undefined when it cannot be opened (another pepper): the leader starts afresh. */
    open(stored: string): string | undefined {
      if (!stored.startsWith("sealed:v1:")) return undefined;
      const raw = Buffer.from(stored.slice("sealed:v1:".length), "base64");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
          "utf8",
        );
      } catch {
        return undefined;
      }
    },
  };
}
