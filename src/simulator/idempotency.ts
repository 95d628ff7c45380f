/**
 * x-idempotency-key handling. Required (a UUID, any version: whether the server insists on v4
 * is UNCONFIRMED, the SDK checks that itself) on every business POST, accepted on any request.
 * The first response (status + body) is replayed for 24 h; the same key with a different
 * request is a 400 idempotency_error. Keys are scoped per client. 5xx answers are not stored,
 * because UQPay documents a 500 api_error as safe to retry with the same key. 4xx answers are
 * stored and replayed (the FAQ's implied rule; UNCONFIRMED).
 */
import { createHash } from "node:crypto";
import { invalidRequest, SimError } from "./errors.ts";
import type { IdemEntry, SimState } from "./state.ts";

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${url.split("?")[0]}\n${stableStringify(body ?? {})}`)
    .digest("hex");
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export function validateKey(key: string | undefined): string {
  if (!key) throw invalidRequest("x-idempotency-key header is required", "missing_idempotency_key");
  if (!UUID_RE.test(key))
    throw invalidRequest("x-idempotency-key must be a UUID", "invalid_idempotency_key");
  return key;
}

export type IdemDecision = { kind: "new"; scopeKey: string } | { kind: "replay"; entry: IdemEntry };

export class Idempotency {
  constructor(
    private readonly state: SimState,
    private readonly clock: () => number,
  ) {}

  begin(clientId: string, key: string, hash: string): IdemDecision {
    const scopeKey = `${clientId}:${key}`;
    const now = this.clock();
    const existing = this.state.idem.get(scopeKey);
    if (existing && now - existing.at < IDEMPOTENCY_TTL_MS) {
      if (existing.hash !== hash)
        throw new SimError(
          "idempotency_error",
          "idempotency_key_mismatch",
          "x-idempotency-key was already used with a different request",
        );
      if (existing.pending)
        // The SDK retries a replay when the message contains "request is processing".
        throw new SimError("idempotency_error", "request_processing", "request is processing");
      return { kind: "replay", entry: existing };
    }
    this.state.idem.set(scopeKey, {
      hash,
      status: 0,
      body: "",
      contentType: "",
      at: now,
      pending: true,
    });
    return { kind: "new", scopeKey };
  }

  finish(scopeKey: string, status: number, body: string, contentType: string): void {
    const entry = this.state.idem.get(scopeKey);
    if (!entry) return;
    if (status >= 500) {
      this.state.idem.delete(scopeKey);
      return;
    }
    entry.status = status;
    entry.body = body;
    entry.contentType = contentType;
    entry.pending = false;
  }

  /** The request died without a response we could store (e.g. a pre-commit fault). */
  abandon(scopeKey: string): void {
    const entry = this.state.idem.get(scopeKey);
    if (entry?.pending) this.state.idem.delete(scopeKey);
  }

  sweep(): void {
    const now = this.clock();
    for (const [k, e] of this.state.idem)
      if (!e.pending && now - e.at >= IDEMPOTENCY_TTL_MS) this.state.idem.delete(k);
  }
}
