import { CardholderRejectedError, CardrailTimeoutError } from "./errors.ts";
import {
  type RetryPolicy,
  retryKeyed,
  retryRateLimitedOnly,
  retryRead,
  retryResubmit,
  retryReveal,
  sleep,
  throwIfAborted,
} from "./retry.ts";
import { type Call, type RequestOptions, Transport } from "./transport.ts";
import type {
  Card,
  CardholderStatusResponse,
  CreateCardholderInput,
  CreatedCardholder,
  CreatedCardholderResult,
  CreatedWebhookEndpoint,
  CreateWebhookEndpointInput,
  DeletedWebhookEndpoint,
  EventPage,
  EventWithDeliveries,
  IssueCardInput,
  IssuedCard,
  ListEventsQuery,
  RedeliverInput,
  Redelivery,
  ResubmitDocumentsInput,
  RevealedCard,
  RevealToken,
  WalletBalances,
  WebhookEndpointList,
} from "./types.ts";
import { toFormData } from "./uploads.ts";

export { parseRetryAfter } from "./retry.ts";
export { type RequestOptions, SDK_VERSION } from "./transport.ts";

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
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation); called with a `Request`. */
  fetch?: typeof fetch;
}

export interface IdempotentOptions extends RequestOptions {
  /**
   * Sent as `Idempotency-Key`. Generated (a random UUID) when omitted. Either way the same key is
   * sent on every retry of this call, so the request acts at most once. Pass your own (e.g. your
   * order id) to make retries safe across processes and restarts too.
   */
  idempotencyKey?: string;
}
/** The options of `cards.create` (kept by name for earlier code). */
export type CreateCardOptions = IdempotentOptions;

export interface WaitForActiveOptions {
  /** Give up after this many ms with a `CardrailTimeoutError`. Default 120 000. */
  timeoutMs?: number;
  /** Between polls, in ms. Default 1 000. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * The Cardrail API client: one method per operation of the API (see `OPERATIONS`).
 *
 * ```ts
 * const cardrail = new Cardrail({ apiKey: "dk_test_…", accessKey: "sk_test_…" });
 * const { holderId } = await cardrail.cardholders.create({ …, docFront: "./passport.jpg" });
 * await cardrail.cardholders.waitForActive(holderId);
 * const card = await cardrail.cards.create({ holderId, card_product_id: "111031", currency: "USD", loadAmount: 20 });
 * const { cardDetails } = await cardrail.cards.reveal(card.cardId);
 * ```
 */
export class Cardrail {
  readonly baseUrl: string;
  readonly #http: Transport;

  constructor(options: CardrailOptions) {
    if (!options?.apiKey || !options.accessKey) {
      throw new TypeError("Cardrail: apiKey and accessKey are required");
    }
    this.baseUrl = (options.baseUrl ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("Cardrail: no fetch available (Node 20+)");
    this.#http = new Transport({
      apiKey: options.apiKey,
      accessKey: options.accessKey,
      baseUrl: this.baseUrl,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: Math.max(0, options.maxRetries ?? 3),
      // Called unbound: some fetch implementations refuse any `this` but the global one.
      fetch: (input, init) => f(input, init),
    });
  }

  readonly cardholders = {
    /**
     * `POST /cardholders`: create the cardholder and submit KYC (multipart; documents from paths,
     * buffers, blobs or streams). Always sends an `Idempotency-Key`, the same on every retry.
     */
    create: async (
      input: CreateCardholderInput,
      options?: IdempotentOptions,
    ): Promise<CreatedCardholderResult> => {
      const form = await toFormData(input);
      return this.#idempotent<CreatedCardholder>("POST /cardholders", options, (init) =>
        this.#http.api.POST("/api/v1/cardholders", { body: form as never, ...init }),
      );
    },
    /** `POST /cardholders/{holderId}/documents`: new documents for a cardholder the issuer asked to resubmit. */
    resubmitDocuments: async (
      holderId: string,
      input: ResubmitDocumentsInput,
      options?: RequestOptions,
    ): Promise<CardholderStatusResponse> => {
      const path = { holderId: id(holderId) };
      const form = await toFormData(input);
      return this.#data("POST /cardholders/{holderId}/documents", retryResubmit, options, (init) =>
        this.#http.api.POST("/api/v1/cardholders/{holderId}/documents", {
          params: { path },
          body: form as never,
          ...init,
        }),
      );
    },
    /** `GET /cardholders/{holderId}/status`. */
    status: async (
      holderId: string,
      options?: RequestOptions,
    ): Promise<CardholderStatusResponse> => {
      const path = { holderId: id(holderId) };
      return this.#data("GET /cardholders/{holderId}/status", retryRead, options, (init) =>
        this.#http.api.GET("/api/v1/cardholders/{holderId}/status", { params: { path }, ...init }),
      );
    },
    /**
     * Polls the status until `ACTIVE` (resolves with it). Rejects with `CardholderRejectedError` on
     * `REJECTED`, `CardrailTimeoutError` after `timeoutMs`, and the signal's reason (an `AbortError`) on abort.
     */
    waitForActive: async (
      holderId: string,
      options?: WaitForActiveOptions,
    ): Promise<CardholderStatusResponse> => this.#waitForActive(holderId, options),
  };

  readonly cards = {
    /** `POST /cards`: issue a virtual card, debiting the wallet. Always sends an `Idempotency-Key`. */
    create: async (input: IssueCardInput, options?: IdempotentOptions): Promise<IssuedCard> =>
      this.#idempotent<Card>("POST /cards", options, (init) =>
        this.#http.api.POST("/api/v1/cards", { body: { cardType: "virtual", ...input }, ...init }),
      ),
    /** `GET /cards/{cardId}` (our `cardId` or the `uqpayCardId`): the card, masked, with its current status. */
    retrieve: async (cardId: string, options?: RequestOptions): Promise<Card> => {
      const path = { cardId: id(cardId) };
      return this.#data("GET /cards/{cardId}", retryRead, options, (init) =>
        this.#http.api.GET("/api/v1/cards/{cardId}", { params: { path }, ...init }),
      );
    },
    /**
     * `GET /cards/{cardId}/reveal`: number, CVV and expiry, fetched from the issuer (audited; never
     * cache or log them). Waits while the card is still `pending`/`creating`.
     */
    reveal: async (cardId: string, options?: RequestOptions): Promise<RevealedCard> => {
      const path = { cardId: id(cardId) };
      return this.#data("GET /cards/{cardId}/reveal", retryReveal, options, (init) =>
        this.#http.api.GET("/api/v1/cards/{cardId}/reveal", { params: { path }, ...init }),
      );
    },
    /** `POST /cards/{cardId}/reveal-token`: a single-use, short-lived token for a browser to redeem. */
    createRevealToken: async (cardId: string, options?: RequestOptions): Promise<RevealToken> => {
      const path = { cardId: id(cardId) };
      return this.#data("POST /cards/{cardId}/reveal-token", retryReveal, options, (init) =>
        this.#http.api.POST("/api/v1/cards/{cardId}/reveal-token", { params: { path }, ...init }),
      );
    },
    /**
     * `GET /cards/reveal?token=…`: redeems a reveal token (sent without the API key, as a browser
     * would). Single use: never retried but on 429, since a lost answer has used the token.
     */
    redeemRevealToken: async (token: string, options?: RequestOptions): Promise<RevealedCard> =>
      this.#data(
        "GET /cards/reveal",
        retryRateLimitedOnly,
        options,
        (init) =>
          this.#http.api.GET("/api/v1/cards/reveal", { params: { query: { token } }, ...init }),
        { anonymous: true },
      ),
  };

  readonly wallet = {
    /** `GET /wallet`: the tenant's balances in this key's mode, in major units. */
    balances: async (options?: RequestOptions): Promise<WalletBalances> =>
      this.#data("GET /wallet", retryRead, options, (init) =>
        this.#http.api.GET("/api/v1/wallet", init),
      ),
  };

  readonly webhookEndpoints = {
    /** `POST /webhook-endpoints`: register an endpoint. Keep the returned `secret`: it is shown once. */
    create: async (
      input: CreateWebhookEndpointInput,
      options?: RequestOptions,
    ): Promise<CreatedWebhookEndpoint> =>
      this.#data("POST /webhook-endpoints", retryRateLimitedOnly, options, (init) =>
        this.#http.api.POST("/api/v1/webhook-endpoints", { body: input, ...init }),
      ),
    /** `GET /webhook-endpoints`: this mode's endpoints, oldest first (never their secrets). */
    list: async (options?: RequestOptions): Promise<WebhookEndpointList> =>
      this.#data("GET /webhook-endpoints", retryRead, options, (init) =>
        this.#http.api.GET("/api/v1/webhook-endpoints", init),
      ),
    /** `DELETE /webhook-endpoints/{id}`: pending deliveries to it are cancelled. */
    delete: async (
      endpointId: string,
      options?: RequestOptions,
    ): Promise<DeletedWebhookEndpoint> => {
      const path = { id: id(endpointId) };
      return this.#data("DELETE /webhook-endpoints/{id}", retryRateLimitedOnly, options, (init) =>
        this.#http.api.DELETE("/api/v1/webhook-endpoints/{id}", { params: { path }, ...init }),
      );
    },
  };

  readonly events = {
    /** `GET /events`: newest first; pass the last id as `startingAfter` for the next page. */
    list: async (query: ListEventsQuery = {}, options?: RequestOptions): Promise<EventPage> =>
      this.#data("GET /events", retryRead, options, (init) =>
        this.#http.api.GET("/api/v1/events", { params: { query }, ...init }),
      ),
    /** `GET /events/{id}`: an event and its deliveries. */
    retrieve: async (eventId: string, options?: RequestOptions): Promise<EventWithDeliveries> => {
      const path = { id: id(eventId) };
      return this.#data("GET /events/{id}", retryRead, options, (init) =>
        this.#http.api.GET("/api/v1/events/{id}", { params: { path }, ...init }),
      );
    },
    /** `POST /events/{id}/redeliver`: send it again now, to every endpoint it went to or to `endpointId`. */
    redeliver: async (
      eventId: string,
      input: RedeliverInput = {},
      options?: RequestOptions,
    ): Promise<Redelivery> => {
      const path = { id: id(eventId) };
      return this.#data("POST /events/{id}/redeliver", retryRateLimitedOnly, options, (init) =>
        this.#http.api.POST("/api/v1/events/{id}/redeliver", {
          params: { path },
          body: input,
          ...init,
        }),
      );
    },
  };

  /** A call whose answer is its body. */
  async #data<T>(
    what: string,
    retry: RetryPolicy,
    options: RequestOptions | undefined,
    send: Call<T>["send"],
    extra: { anonymous?: boolean } = {},
  ): Promise<T> {
    const { data } = await this.#http.call<T>({ what, retry, options, send, ...extra });
    return data;
  }

  /** A POST sent with an Idempotency-Key (yours or a new UUID), the same on every attempt. */
  async #idempotent<T>(
    what: string,
    options: IdempotentOptions | undefined,
    send: Call<T>["send"],
  ): Promise<T & { idempotencyKey: string; replayed: boolean }> {
    const idempotencyKey = options?.idempotencyKey ?? globalThis.crypto.randomUUID();
    // The contract's pattern. Checked here: an invalid header value would fail every attempt
    // before sending, and look like a connection error after the retries.
    if (!/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new TypeError("idempotencyKey: 1-255 printable ASCII characters, without spaces");
    }
    const { data, response } = await this.#http.call<T>({
      what,
      retry: retryKeyed,
      options,
      idempotencyKey,
      send,
    });
    return {
      ...data,
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
}

/**
 * An id for a path segment: a non-empty string, and not `.` or `..`, which URL resolution would
 * turn into another path of the API instead of sending as an id.
 */
function id(value: string): string {
  if (typeof value !== "string" || value === "" || value === "." || value === "..") {
    throw new TypeError("an id must be a non-empty string (and not . or ..)");
  }
  return value;
}
