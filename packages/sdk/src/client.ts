import { Calls, type IdempotentOptions } from "./calls.ts";
import { cardholders } from "./resources/cardholders.ts";
import { cards } from "./resources/cards.ts";
import { events, webhookEndpoints } from "./resources/events.ts";
import { testHelpers } from "./resources/test-helpers.ts";
import { transactions } from "./resources/transactions.ts";
import { wallet } from "./resources/wallet.ts";
import { Transport } from "./transport.ts";

export type { IdempotentOptions } from "./calls.ts";
export type { WaitForActiveOptions } from "./resources/cardholders.ts";
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

/** The options of `cards.create` (kept by name for earlier code). */
export type CreateCardOptions = IdempotentOptions;

/**
 * The Cardrail API client: one method per operation of the API (see `OPERATIONS`), grouped by
 * resource (each group in src/resources/), and a `…All` iterator beside each list.
 *
 * ```ts
 * const cardrail = new Cardrail({ apiKey: "dk_test_…", accessKey: "sk_test_…" });
 * const { holderId } = await cardrail.cardholders.create({ …, docFront: "./passport.jpg" });
 * await cardrail.cardholders.waitForActive(holderId);
 * const card = await cardrail.cards.create({ holderId, card_product_id: "111031", currency: "USD", loadAmount: 20 });
 * const { cardDetails } = await cardrail.cards.reveal(card.cardId);
 * for await (const active of cardrail.cards.listAll({ status: "active" })) console.log(active.cardId);
 * ```
 */
export class Cardrail {
  readonly baseUrl: string;
  readonly cardholders: ReturnType<typeof cardholders>;
  readonly cards: ReturnType<typeof cards>;
  readonly wallet: ReturnType<typeof wallet>;
  readonly transactions: ReturnType<typeof transactions>;
  readonly webhookEndpoints: ReturnType<typeof webhookEndpoints>;
  readonly events: ReturnType<typeof events>;
  /** Test keys only: simulated purchases and what follows them. */
  readonly testHelpers: ReturnType<typeof testHelpers>;

  constructor(options: CardrailOptions) {
    if (!options?.apiKey || !options.accessKey) {
      throw new TypeError("Cardrail: apiKey and accessKey are required");
    }
    this.baseUrl = (options.baseUrl ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("Cardrail: no fetch available (Node 20+)");
    const calls = new Calls(
      new Transport({
        apiKey: options.apiKey,
        accessKey: options.accessKey,
        baseUrl: this.baseUrl,
        timeoutMs: options.timeoutMs ?? 30_000,
        maxRetries: Math.max(0, options.maxRetries ?? 3),
        // Called unbound: some fetch implementations refuse any `this` but the global one.
        fetch: (input, init) => f(input, init),
      }),
    );
    this.cardholders = cardholders(calls);
    this.cards = cards(calls);
    this.wallet = wallet(calls);
    this.transactions = transactions(calls);
    this.webhookEndpoints = webhookEndpoints(calls);
    this.events = events(calls);
    this.testHelpers = testHelpers(calls);
  }
}
