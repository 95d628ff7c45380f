/**
 * Scrubs anything the client might log or put in an error: full card numbers, CVVs, PINs,
 * tokens/keys, and KYC documents (base64 images are both sensitive and huge). Used by the client's
 * own logging; callers can use it too. Never throws, whatever the input (cycles included).
 */

const SECRET_KEYS = new Set([
  "cvv",
  "cvc",
  "cvv2",
  "pin",
  "activation_code",
  "expire_date",
  "auth_token",
  "token",
  "x-auth-token",
  "x-api-key",
  "api_key",
  "apikey",
  "client_secret",
  "secret",
  "password",
  "authorization",
]);

const DOCUMENT_KEYS = new Set(["front_file", "back_file", "hand_file", "document"]);

/** 13–19 digit runs are card numbers (PANs); keep only the last four. */
const PAN_RUN = /(?<!\d)\d{13,19}(?!\d)/g;

export function redactString(text: string): string {
  return text.replace(PAN_RUN, (run) => `${"*".repeat(run.length - 4)}${run.slice(-4)}`);
}

export function redact(value: unknown): unknown {
  return walk(value, new WeakSet(), 0);
}

function walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === "string") return redactString(value);
  if (typeof value === "number" && Number.isInteger(value) && String(value).length >= 13) {
    return redactString(String(value));
  }
  if (value === null || typeof value !== "object") return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return "[REDACTED binary]";
  if (seen.has(value) || depth > 20) return "[Circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, seen, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const k = key.toLowerCase();
    if (SECRET_KEYS.has(k)) out[key] = "[REDACTED]";
    else if (DOCUMENT_KEYS.has(k)) out[key] = v == null ? v : "[REDACTED document]";
    else out[key] = walk(v, seen, depth + 1);
  }
  return out;
}
