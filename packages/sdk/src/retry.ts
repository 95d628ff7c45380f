/**
 * When the SDK may send a request again, and how long it waits first. Each operation has the
 * policy its effect allows: a retry must never create a second card, cardholder or side effect.
 */

/** What a retry decision sees: an answer (status and code) or no answer at all (network/timeout). */
export interface Outcome {
  status?: number;
  code?: string;
  details?: unknown;
}
export type RetryPolicy = (outcome: Outcome) => boolean;

/** Reads change nothing: retry when nothing came back, on 5xx and on 429. */
export const retryRead: RetryPolicy = ({ status }) =>
  status === undefined || status === 429 || status >= 500;

/**
 * A POST sent with an Idempotency-Key (cards, cardholders) carries the same key on every attempt, so
 * the server replays or resumes instead of acting twice: retry when nothing came back, while the
 * first attempt still runs (409 idempotency_key_in_use), when rate limited, and on 503.
 */
export const retryKeyed: RetryPolicy = ({ status, code }) =>
  status === undefined ||
  status === 429 ||
  status === 503 ||
  (status === 409 && code === "idempotency_key_in_use");

/**
 * Setting a card's state or controls (freeze, unfreeze, cancel, `PATCH /cards/{cardId}`): the
 * server answers a repeat with the card as it is, so a second attempt changes nothing more. Retry
 * when nothing came back, when rate limited, and on 503 (the issuer could not be reached).
 */
export const retrySetState: RetryPolicy = ({ status }) =>
  status === undefined || status === 429 || status === 503;

/**
 * Document resubmission: the server sends the documents upstream under a key derived from their
 * content, so the same request replays there; 503 upstream_unavailable says nothing changed.
 */
export const retryResubmit: RetryPolicy = ({ status, code }) =>
  status === undefined || status === 429 || (status === 503 && code === "upstream_unavailable");

/**
 * Requests that act once with no key to make a second attempt safe (a webhook endpoint and its
 * secret, a deletion, a redelivery, redeeming a single-use token, a simulated transaction): only
 * 429, sent before anything ran.
 */
export const retryRateLimitedOnly: RetryPolicy = ({ status }) => status === 429;

/**
 * Reveal (and minting a reveal token, whose only effect is an unused token that expires): a card
 * right after issuing is `pending` for a moment: wait for it, as the server's Retry-After says.
 */
export const retryReveal: RetryPolicy = (outcome) =>
  retryRead(outcome) ||
  (outcome.code === "card_not_active" &&
    ["pending", "creating"].includes(String((outcome.details as { status?: unknown })?.status)));

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
/** A Retry-After longer than this is not waited for: the error is returned to you instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Exponential backoff with full jitter: random(0, min(cap, base·2^attempt)), at least 50 ms. */
export function backoff(attempt: number): number {
  return Math.max(50, Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
}

/** The server's Retry-After, plus up to 10% so that many clients do not come back at once. */
export function jittered(ms: number): number {
  return ms + Math.random() * ms * 0.1;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException("The operation was aborted", "AbortError");
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
