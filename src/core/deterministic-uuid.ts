import { createHash } from "node:crypto";

/**
 * A UUID (v4 layout) derived from its inputs: the same logical request always yields the same
 * upstream idempotency key, so a retry after a lost response replays instead of creating twice.
 */
export function deterministicUuid(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\u0000");
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
