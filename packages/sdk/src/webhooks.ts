import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Verification of Cardrail's outbound webhooks.
 *
 * Each delivery carries `Cardrail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the HMAC
 * key is the endpoint's secret and the message is `${t}.${rawBody}`. While a secret is being
 * rotated the header carries several `v1=` entries (one per active secret); any one matching is
 * enough. The timestamp guards against replays: it must be within `toleranceSeconds` of now.
 */

export const SIGNATURE_HEADER = "Cardrail-Signature";

export interface VerifyWebhookInput {
  /** The raw request body, exactly as received (not re-serialised JSON). */
  payload: string | Uint8Array;
  /** The `Cardrail-Signature` header's value. */
  header: string | string[] | null | undefined;
  /** The endpoint's signing secret, or several while you rotate it. */
  secret: string | readonly string[];
  /** Maximum |now − t| in seconds. Default 300. */
  toleranceSeconds?: number;
  /** Unix seconds to compare with (tests); default the clock. */
  now?: number;
}

export type WebhookVerificationReason =
  | "missing_header"
  | "malformed_header"
  | "timestamp_out_of_tolerance"
  | "signature_mismatch";

export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
  constructor(
    readonly reason: WebhookVerificationReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a delivery's signature and returns the parsed JSON event. Throws
 * `WebhookVerificationError` (with a `reason`) when the header is missing or malformed, the
 * timestamp is outside the tolerance, or no `v1` signature matches any of the secrets.
 */
export function verifyWebhook<T = unknown>(input: VerifyWebhookInput): T {
  const raw = typeof input.payload === "string" ? input.payload : Buffer.from(input.payload);
  verifyWebhookSignature(input);
  return JSON.parse(raw.toString()) as T;
}

/** The same checks as {@link verifyWebhook} without parsing the body; returns the signed timestamp. */
export function verifyWebhookSignature(input: VerifyWebhookInput): number {
  const header = Array.isArray(input.header) ? input.header.join(",") : input.header;
  if (!header) {
    throw new WebhookVerificationError("missing_header", `No ${SIGNATURE_HEADER} header`);
  }
  const { timestamp, signatures } = parseSignatureHeader(header);
  const tolerance = input.toleranceSeconds ?? 300;
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError(
      "timestamp_out_of_tolerance",
      `The signature's timestamp is more than ${tolerance} s from now`,
    );
  }
  const payload =
    typeof input.payload === "string" ? Buffer.from(input.payload) : Buffer.from(input.payload);
  const secrets = typeof input.secret === "string" ? [input.secret] : [...input.secret];
  if (secrets.length === 0 || secrets.some((s) => !s)) {
    throw new TypeError("verifyWebhook: secret must be a non-empty string (or list of them)");
  }
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(payload).digest();
    for (const signature of signatures) {
      // Compare every pair, without stopping early, in constant time for equal lengths.
      if (signature.length === expected.length && timingSafeEqual(signature, expected)) {
        matched = true;
      }
    }
  }
  if (!matched) {
    throw new WebhookVerificationError(
      "signature_mismatch",
      "No signature matches the payload and secret",
    );
  }
  return timestamp;
}

/**
 * Signs a payload the way Cardrail does: `t=<now>,v1=<hex>` (one `v1` per secret). For tests of
 * your webhook endpoint.
 */
export function signWebhookPayload(input: {
  payload: string | Uint8Array;
  secret: string | readonly string[];
  timestamp?: number;
}): string {
  const t = input.timestamp ?? Math.floor(Date.now() / 1000);
  const secrets = typeof input.secret === "string" ? [input.secret] : [...input.secret];
  const v1 = secrets.map(
    (secret) =>
      `v1=${createHmac("sha256", secret)
        .update(`${t}.`)
        .update(Buffer.from(input.payload))
        .digest("hex")}`,
  );
  return [`t=${t}`, ...v1].join(",");
}

function parseSignatureHeader(header: string): { timestamp: number; signatures: Buffer[] } {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(",")) {
    const at = item.indexOf("=");
    if (at < 0) continue;
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) {
        throw new WebhookVerificationError("malformed_header", "The t= timestamp is malformed");
      }
      timestamp = Number(value);
    } else if (key === "v1" && /^[0-9a-fA-F]{64}$/.test(value)) {
      signatures.push(Buffer.from(value, "hex"));
    }
    // Other schemes (v0, future v2) and malformed v1 values are ignored, as is usual.
  }
  if (timestamp === undefined) {
    throw new WebhookVerificationError("malformed_header", "The header has no t= timestamp");
  }
  if (signatures.length === 0) {
    throw new WebhookVerificationError("malformed_header", "The header has no v1= signature");
  }
  return { timestamp, signatures };
}
