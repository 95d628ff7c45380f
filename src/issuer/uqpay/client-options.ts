import { randomUUID } from "node:crypto";
import type { FetchLike, Logger } from "./http.ts";

/** How a UQPay client is made, and the idempotency key every POST carries (client.ts). */

export interface UqpayClientOptions {
  /**
   * e.g. https://api-sandbox.uqpaytech.com/api (paths below start with /v1/...); or a lookup per
   * request, with `onUnreachable` told when a request never reached it (to look again).
   */
  baseUrl: string | (() => Promise<string>);
  onUnreachable?: () => void;
  clientId: string;
  apiKey: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** Sub-account id sent as x-on-behalf-of on business calls (see also `forAccount`). */
  onBehalfOf?: string;
  logger?: Logger;
  fetch?: FetchLike;
  /** Backoff base (default 250 ms) and cap (default 5 s); Retry-After beyond maxRetryAfterMs (30 s) is not waited for. */
  retryBaseMs?: number;
  retryMaxDelayMs?: number;
  maxRetryAfterMs?: number;
  /** Clock for token expiry (tests). */
  now?: () => number;
}

export interface Idempotent {
  idempotencyKey: string;
}
export interface MaybeIdempotent {
  idempotencyKey?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function keyFrom(call: MaybeIdempotent | undefined, required: boolean): string {
  const key = call?.idempotencyKey;
  if (key === undefined) {
    if (required) throw new TypeError("idempotencyKey is required for this call");
    return randomUUID();
  }
  if (!UUID.test(key)) throw new TypeError("idempotencyKey must be a UUID");
  return key;
}

export const seg = (id: string) => encodeURIComponent(id);
