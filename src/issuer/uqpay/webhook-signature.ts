import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Verifies a UQPay webhook the way the SDKs do: lowercase hex HMAC-SHA512(secret, rawBody +
 * timestampHeader), the header value appended to the raw body with no separator, compared in
 * constant time; the timestamp must be within `toleranceSeconds` of now.
 *
 * The timestamp may be seconds (docs, uqpay-node) or milliseconds (the Hub per uqpay-sdk-go): told
 * apart by magnitude, since a seconds value above 1e11 would be the year 5138.
 */
export interface VerifyWebhookInput {
  /** Exactly the bytes received; re-serialised JSON would not match. */
  rawBody: string | Buffer;
  timestampHeader: string | undefined | null;
  signatureHeader: string | undefined | null;
  secret: string;
  toleranceSeconds?: number;
  /** Current time in ms (tests). */
  now?: number;
}

export type VerifyWebhookResult =
  | { ok: true; timestampMs: number }
  | { ok: false; reason: "missing_header" | "bad_timestamp" | "stale_timestamp" | "bad_signature" };

export function verifyWebhookSignature(input: VerifyWebhookInput): VerifyWebhookResult {
  const { timestampHeader, signatureHeader, secret } = input;
  const tolerance = input.toleranceSeconds ?? 300;
  const now = input.now ?? Date.now();
  if (!timestampHeader || !signatureHeader || !secret)
    return { ok: false, reason: "missing_header" };
  const ts = timestampHeader.trim();
  if (!/^\d{1,16}$/.test(ts)) return { ok: false, reason: "bad_timestamp" };
  const n = Number(ts);
  const timestampMs = n > 1e11 ? n : n * 1000;
  if (Math.abs(now - timestampMs) > tolerance * 1000)
    return { ok: false, reason: "stale_timestamp" };

  const body =
    typeof input.rawBody === "string" ? Buffer.from(input.rawBody, "utf8") : input.rawBody;
  const expected = createHmac("sha512", secret)
    .update(body)
    .update(timestampHeader, "utf8")
    .digest();
  const given = signatureHeader.trim().toLowerCase();
  if (!/^[0-9a-f]{128}$/.test(given)) return { ok: false, reason: "bad_signature" };
  const givenBytes = Buffer.from(given, "hex");
  if (givenBytes.length !== expected.length || !timingSafeEqual(givenBytes, expected)) {
    return { ok: false, reason: "bad_signature" };
  }
  return { ok: true, timestampMs };
}

/** Signs like UQPay does (for tests and the simulator): hex HMAC-SHA512(secret, body + ts). */
export function signWebhook(
  rawBody: string | Buffer,
  timestampHeader: string,
  secret: string,
): string {
  return createHmac("sha512", secret).update(rawBody).update(timestampHeader, "utf8").digest("hex");
}
