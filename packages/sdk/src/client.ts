import {
  CardholderRejectedError,
  CardrailConnectionError,
  CardrailTimeoutError,
  errorFromResponse,
} from "./errors.ts";
import type {
  Card,
  CardholderStatusResponse,
  CreateCardholderInput,
  CreatedCardholder,
  IssueCardInput,
  IssuedCard,
  RevealedCard,
  WalletBalances,
} from "./types.ts";
import { toFormFile } from "./uploads.ts";

export const SDK_VERSION = "0.1.0";

export interface CardrailOptions {
  /** `X-Api-Key`: the key's public id (`dk_test_…` or `dk_live_…`). */
  apiKey: string;
  /** `X-Access-Key`: the key's secret (`sk_test_…` or `sk_live_…`). */
  accessKey: string;
  /** Where Cardrail listens, without `/api/v1`. Default `http://127.0.0.1:3000`. */
  baseUrl?: string;
  /** Per attempt, in ms. Default 30 000 (the issuer itself may take up to 10 s). */
  timeoutMs?: number;
  /** Retries after the first attempt, where retrying is safe. Default 3; 0 turns retries off. */
  maxRetries?: number;
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
}

/** Options every method takes. */
export interface RequestOptions {
  /** Cancels the call, including any wait between retries; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /** Overrides the client's retry count. */
  maxRetries?: number;
}

export interface CreateCardOptions extends RequestOptions {
  /**
   * Sent as `Idempotency-Key`. Generated (a random UUID) when omitted. Either way the same key is
   * sent on every retry of this call, so the card is created and debited at most once. Pass your
   * own (e.g. your order id) to make retries safe across processes and restarts too.
   */
  idempotencyKey?: string;
}

export interface WaitForActiveOptions {
  /** Give up after this many ms with a `CardrailTimeoutError`. Default 120 000. */
  timeoutMs?: number;
  /** Between polls, in ms. Default 1 000. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** What a retry decision sees: an answer (status and code) or no answer at all (network/timeout). */
interface Outcome {
  status?: number;
  code?: string;
  details?: unknown;
}
type RetryPolicy = (outcome: Outcome) => boolean;

/** GETs change nothing: retry when nothing came back, on 5xx and on 429. */
const retryRead: RetryPolicy = ({ status }) =>
  status === undefined || status === 429 || status >= 500;

/**
 * POST /cards always carries the same Idempotency-Key, so the server replays or resumes instead of
 * issuing twice: retry when nothing came back, while the first attempt still runs (409
 * idempotency_key_in_use), when rate limited, and on 503 (the amount is held; the same key resumes).
 */
const retryIssue: RetryPolicy = ({ status, code }) =>
  status === undefined ||
  status === 429 ||
  status === 503 ||
  (status === 409 && code === "idempotency_key_in_use");

/**
 * POST /cardholders has no idempotency key: retry only answers that say nothing was saved (429
 * before the handler ran; 503 upstream_unavailable, after which the server discards the holder).
 * A lost answer is not retried: the cardholder may exist (a retry would get duplicate_cardholder).
 */
const retryCardholder: RetryPolicy = ({ status, code }) =>
  status === 429 || (status === 503 && code === "upstream_unavailable");

/** A reveal right after issuing finds the card `pending` for a moment: wait for it, as the server says. */
const retryReveal: RetryPolicy = (outcome) =>
  retryRead(outcome) ||
  (outcome.code === "card_not_active" &&
    ["pending", "creating"].includes(String((outcome.details as { status?: unknown })?.status)));

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
/** A Retry-After longer than this is not waited for: the error is returned to you instead. */
const MAX_RETRY_AFTER_MS = 60_000;

interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  body?: string | FormData;
  headers?: Record<string, string>;
  retry: RetryPolicy;
  options?: RequestOptions | undefined;
  idempotencyKey?: string;
}

/**
 * The Cardrail API client.
 *
 * ```ts
 * const cardrail = new Cardrail({ apiKey: "dk_test_…", accessKey: "sk_test_…" });
 * const { holderId } = await cardrail.cardholders.create({ …, docFront: "./passport.jpg" });
 * await cardrail.cardholders.waitForActive(holderId);
 * const card = await cardrail.cards.create({ holderId, card_product_id: "111031", currency: "USD", loadAmount: 20 });
 * const { cardDetails } = await cardrail.cards.reveal(card.uqpayCardId ?? card.cardId);
 * ```
 */
export class Cardrail {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #accessKey: string;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #fetch: typeof fetch;

  readonly cardholders: {
    /** `POST /cardholders`: create the cardholder and submit KYC (multipart; documents from paths, buffers, blobs or streams). */
    create(input: CreateCardholderInput, options?: RequestOptions): Promise<CreatedCardholder>;
    /** `GET /cardholders/:holderId/status`. */
    status(holderId: string, options?: RequestOptions): Promise<CardholderStatusResponse>;
    /**
     * Polls the status until `ACTIVE` (resolves with it). Rejects with `CardholderRejectedError` on
     * `REJECTED`, `CardrailTimeoutError` after `timeoutMs`, and the signal's reason (an `AbortError`) on abort.
     */
    waitForActive(
      holderId: string,
      options?: WaitForActiveOptions,
    ): Promise<CardholderStatusResponse>;
  };

  readonly cards: {
    /** `POST /cards`: issue a virtual card, debiting the wallet. Always sends an `Idempotency-Key`. */
    create(input: IssueCardInput, options?: CreateCardOptions): Promise<IssuedCard>;
    /** `GET /cards/:cardId` (our `cardId` or the `uqpayCardId`): the card, masked, with its current status. */
    retrieve(cardId: string, options?: RequestOptions): Promise<Card>;
    /**
     * `GET /cards/:cardId/reveal`: number, CVV and expiry, fetched from the issuer (audited; never
     * cache or log them). Waits while the card is still `pending`/`creating`.
     */
    reveal(cardId: string, options?: RequestOptions): Promise<RevealedCard>;
  };

  readonly wallet: {
    /** `GET /wallet`: the tenant's balances in this key's mode, in major units. */
    balances(options?: RequestOptions): Promise<WalletBalances>;
  };

  constructor(options: CardrailOptions) {
    if (!options?.apiKey || !options.accessKey) {
      throw new TypeError("Cardrail: apiKey and accessKey are required");
    }
    this.#apiKey = options.apiKey;
    this.#accessKey = options.accessKey;
    this.baseUrl = (options.baseUrl ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxRetries = Math.max(0, options.maxRetries ?? 3);
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("Cardrail: no fetch available (Node 20+)");
    // Called unbound: some fetch implementations refuse any `this` but the global one.
    this.#fetch = (input, init) => f(input, init);

    this.cardholders = {
      create: (input, opts) => this.#createCardholder(input, opts),
      status: (holderId, opts) =>
        this.#request<CardholderStatusResponse>({
          method: "GET",
          path: `/cardholders/${segment(holderId)}/status`,
          retry: retryRead,
          options: opts,
        }).then((r) => r.body),
      waitForActive: (holderId, opts) => this.#waitForActive(holderId, opts),
    };
    this.cards = {
      create: (input, opts) => this.#createCard(input, opts),
      retrieve: (cardId, opts) =>
        this.#request<Card>({
          method: "GET",
          path: `/cards/${segment(cardId)}`,
          retry: retryRead,
          options: opts,
        }).then((r) => r.body),
      reveal: (cardId, opts) =>
        this.#request<RevealedCard>({
          method: "GET",
          path: `/cards/${segment(cardId)}/reveal`,
          retry: retryReveal,
          options: opts,
        }).then((r) => r.body),
    };
    this.wallet = {
      balances: (opts) =>
        this.#request<WalletBalances>({
          method: "GET",
          path: "/wallet",
          retry: retryRead,
          options: opts,
        }).then((r) => r.body),
    };
  }

  async #createCardholder(
    input: CreateCardholderInput,
    options?: RequestOptions,
  ): Promise<CreatedCardholder> {
    const form = new FormData();
    for (const [name, value] of Object.entries(input)) {
      if (value === undefined || value === null) continue;
      if (name === "docFront" || name === "docBack" || name === "selfie") {
        const { blob, filename } = await toFormFile(value, name);
        form.append(name, blob, filename);
      } else {
        form.append(name, String(value));
      }
    }
    const { body } = await this.#request<CreatedCardholder>({
      method: "POST",
      path: "/cardholders",
      body: form,
      retry: retryCardholder,
      options,
    });
    return body;
  }

  async #createCard(input: IssueCardInput, options?: CreateCardOptions): Promise<IssuedCard> {
    const idempotencyKey = options?.idempotencyKey ?? globalThis.crypto.randomUUID();
    const { body, response } = await this.#request<Card>({
      method: "POST",
      path: "/cards",
      body: JSON.stringify({ cardType: "virtual", ...input }),
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      retry: retryIssue,
      options,
      idempotencyKey,
    });
    return {
      ...body,
      idempotencyKey,
      replayed: response.headers.get("idempotent-replayed") === "true",
    };
  }

  async #waitForActive(
    holderId: string,
    options: WaitForActiveOptions = {},
  ): Promise<CardholderStatusResponse> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const intervalMs = options.intervalMs ?? 1_000;
    const deadline = Date.now() + timeoutMs;
    const signal = options.signal;
    for (;;) {
      throwIfAborted(signal);
      const view = await this.cardholders.status(holderId, signal ? { signal } : {});
      if (view.status === "ACTIVE") return view;
      if (view.status === "REJECTED") {
        throw new CardholderRejectedError({
          status: 200,
          code: "cardholder_rejected",
          message: `Cardholder ${holderId} was rejected by KYC`,
          details: view,
          holderId,
        });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new CardrailTimeoutError(
          `Cardholder ${holderId} is still ${view.status} after ${timeoutMs} ms`,
        );
      }
      await sleep(Math.min(intervalMs, remaining), signal);
    }
  }

  /** One API call: attempts, retries with backoff (or Retry-After) where `retry` allows, typed errors. */
  async #request<T>(spec: RequestSpec): Promise<{ body: T; response: Response }> {
    const maxRetries = Math.max(0, spec.options?.maxRetries ?? this.#maxRetries);
    const timeoutMs = spec.options?.timeoutMs ?? this.#timeoutMs;
    const userSignal = spec.options?.signal;
    const url = `${this.baseUrl}/api/v1${spec.path}`;
    const headers: Record<string, string> = {
      accept: "application/json",
      "x-api-key": this.#apiKey,
      "x-access-key": this.#accessKey,
      "user-agent": `cardrail-sdk-ts/${SDK_VERSION}`,
      ...spec.headers,
    };

    for (let attempt = 0; ; attempt++) {
      throwIfAborted(userSignal);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = userSignal ? AbortSignal.any([userSignal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(url, {
          method: spec.method,
          headers,
          body: spec.body,
          signal,
        });
        text = await response.text();
      } catch (cause) {
        throwIfAborted(userSignal);
        const timedOut = timeout.aborted;
        if (attempt < maxRetries && spec.retry({})) {
          await sleep(backoff(attempt), userSignal);
          continue;
        }
        const what = `${spec.method} ${spec.path}`;
        const options = { cause, idempotencyKey: spec.idempotencyKey };
        throw timedOut
          ? new CardrailTimeoutError(`${what}: no answer within ${timeoutMs} ms`, options)
          : new CardrailConnectionError(`${what}: ${describe(cause)}`, options);
      }

      const body = parseJson(text);
      if (response.ok) return { body: body as T, response };

      const envelope = isEnvelope(body) ? body : undefined;
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      const outcome: Outcome = {
        status: response.status,
        ...(envelope ? { code: envelope.error.code, details: envelope.error.details } : {}),
      };
      if (
        attempt < maxRetries &&
        spec.retry(outcome) &&
        (retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS)
      ) {
        await sleep(
          retryAfterMs === undefined ? backoff(attempt) : jittered(retryAfterMs),
          userSignal,
        );
        continue;
      }
      throw errorFromResponse({
        status: response.status,
        code: envelope?.error.code ?? "unexpected_response",
        message:
          envelope?.error.message ??
          `Unexpected ${response.status} answer from ${spec.method} ${spec.path}`,
        details: envelope ? envelope.error.details : text.slice(0, 500) || undefined,
        requestId:
          (envelope && typeof envelope.requestId === "string" ? envelope.requestId : undefined) ??
          response.headers.get("x-request-id") ??
          undefined,
        retryAfterSeconds: retryAfterMs === undefined ? undefined : retryAfterMs / 1000,
        idempotencyKey: spec.idempotencyKey,
      });
    }
  }
}

/** Exponential backoff with full jitter: random(0, min(cap, base·2^attempt)), at least 50 ms. */
function backoff(attempt: number): number {
  return Math.max(50, Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
}

/** The server's Retry-After, plus up to 10% so that many clients do not come back at once. */
function jittered(ms: number): number {
  return ms + Math.random() * ms * 0.1;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isEnvelope(
  body: unknown,
): body is { error: { code: string; message: string; details?: unknown }; requestId?: unknown } {
  const error = (body as { error?: unknown } | undefined)?.error as
    | { code?: unknown; message?: unknown }
    | undefined;
  return typeof error?.code === "string" && typeof error.message === "string";
}

function segment(id: string): string {
  if (typeof id !== "string" || id === "") throw new TypeError("an id must be a non-empty string");
  return encodeURIComponent(id);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException("The operation was aborted", "AbortError");
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
