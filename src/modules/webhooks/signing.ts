import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The signature scheme (the SDK's verifyWebhook implements the same): header
 * `Cardrail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${rawBody}`)>`.
 * Signing the timestamp with the body lets a receiver refuse old replays.
 */

export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const v1 = createHmac("sha256", secret).update(`${unixSeconds}.${rawBody}`).digest("hex");
  return `t=${unixSeconds},v1=${v1}`;
}

/**
 * Checks a `Cardrail-Signature` header; true when a v1 signature matches and t is within
 * `toleranceSeconds` of `now`. For our own tests and for anyone reading how to verify.
 */
export function verifySignature(input: {
  secret: string;
  rawBody: string;
  header: string | null | undefined;
  toleranceSeconds?: number;
  now?: number;
}): boolean {
  if (!input.header) return false;
  let t: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of input.header.split(",")) {
    const [key, value = ""] = part.split("=", 2).map((s) => s.trim());
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value))
      signatures.push(Buffer.from(value, "hex"));
  }
  if (t === undefined || signatures.length === 0) return false;
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (input.toleranceSeconds ?? 300)) return false;
  const expected = createHmac("sha256", input.secret).update(`${t}.${input.rawBody}`).digest();
  return signatures.some((s) => s.length === expected.length && timingSafeEqual(s, expected));
}
