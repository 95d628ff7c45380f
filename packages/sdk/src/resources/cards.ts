import { type Calls, type IdempotentOptions, id } from "../calls.ts";
import { byCursor, paginate } from "../pagination.ts";
import { retryRateLimitedOnly, retryRead, retryReveal, retrySetState } from "../retry.ts";
import type { RequestOptions } from "../transport.ts";
import type {
  Card,
  CardMoneyInput,
  CardMoneyMovement,
  CardMoneyResult,
  CardPage,
  CardTransactionsQuery,
  IssueCardInput,
  IssuedCard,
  ListCardsQuery,
  RevealedCard,
  RevealToken,
  TransactionPage,
  UpdateCardInput,
} from "../types.ts";

export function cards(calls: Calls) {
  /** freeze, unfreeze and cancel: the same request but for its last path segment. */
  const setStatus =
    (action: "freeze" | "unfreeze" | "cancel") =>
    async (cardId: string, options?: RequestOptions): Promise<Card> => {
      const path = { cardId: id(cardId) };
      return calls.data(`POST /cards/{cardId}/${action}`, retrySetState, options, (init) =>
        calls.http.api.POST(`/api/v1/cards/{cardId}/${action}`, { params: { path }, ...init }),
      );
    };

  const resource = {
    /** `POST /cards`: issue a virtual card, debiting the wallet. Always sends an `Idempotency-Key`. */
    create: async (input: IssueCardInput, options?: IdempotentOptions): Promise<IssuedCard> =>
      calls.idempotent<Card>("POST /cards", options, (init) =>
        calls.http.api.POST("/api/v1/cards", { body: { cardType: "virtual", ...input }, ...init }),
      ),
    /** `GET /cards`: one page, newest first; `listAll` walks every page. */
    list: async (query: ListCardsQuery = {}, options?: RequestOptions): Promise<CardPage> =>
      calls.data("GET /cards", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/cards", { params: { query }, ...init }),
      ),
    /** Every card matching `query` (`status`, `holderId`, dates), fetched page by page as you iterate. */
    listAll: (query: ListCardsQuery = {}, options?: RequestOptions) =>
      paginate(query, (q) => resource.list(q, options), byCursor),
    /** `GET /cards/{cardId}` (our `cardId` or the `uqpayCardId`): the card, masked, with its current status. */
    retrieve: async (cardId: string, options?: RequestOptions): Promise<Card> => {
      const path = { cardId: id(cardId) };
      return calls.data("GET /cards/{cardId}", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/cards/{cardId}", { params: { path }, ...init }),
      );
    },
    /**
     * `PATCH /cards/{cardId}`: spending limits (the list is replaced; `[]` removes every limit) and
     * controls. The answer shows what the issuer confirmed (`pendingControls` while it has not).
     */
    update: async (
      cardId: string,
      input: UpdateCardInput,
      options?: RequestOptions,
    ): Promise<Card> => {
      const path = { cardId: id(cardId) };
      return calls.data("PATCH /cards/{cardId}", retrySetState, options, (init) =>
        calls.http.api.PATCH("/api/v1/cards/{cardId}", { params: { path }, body: input, ...init }),
      );
    },
    /** `POST /cards/{cardId}/freeze`: the card keeps its `status`, with `pendingStatus`, until the issuer confirms. */
    freeze: setStatus("freeze"),
    /** `POST /cards/{cardId}/unfreeze`. */
    unfreeze: setStatus("unfreeze"),
    /** `POST /cards/{cardId}/cancel`: final; what is left on the card returns to the wallet. */
    cancel: setStatus("cancel"),
    /** `POST /cards/{cardId}/top-ups`: wallet → card. Always sends an `Idempotency-Key`. */
    topUp: async (
      cardId: string,
      input: CardMoneyInput,
      options?: IdempotentOptions,
    ): Promise<CardMoneyResult> => {
      const path = { cardId: id(cardId) };
      return calls.idempotent<CardMoneyMovement>("POST /cards/{cardId}/top-ups", options, (init) =>
        calls.http.api.POST("/api/v1/cards/{cardId}/top-ups", {
          params: { path },
          body: input,
          ...init,
        }),
      );
    },
    /**
     * `POST /cards/{cardId}/withdrawals`: card → wallet, credited once the issuer confirms
     * (`pending` until then). Always sends an `Idempotency-Key`.
     */
    withdraw: async (
      cardId: string,
      input: CardMoneyInput,
      options?: IdempotentOptions,
    ): Promise<CardMoneyResult> => {
      const path = { cardId: id(cardId) };
      return calls.idempotent<CardMoneyMovement>(
        "POST /cards/{cardId}/withdrawals",
        options,
        (init) =>
          calls.http.api.POST("/api/v1/cards/{cardId}/withdrawals", {
            params: { path },
            body: input,
            ...init,
          }),
      );
    },
    /** `GET /cards/{cardId}/transactions`: one page of the card's transactions, newest first. */
    transactions: async (
      cardId: string,
      query: CardTransactionsQuery = {},
      options?: RequestOptions,
    ): Promise<TransactionPage> => {
      const path = { cardId: id(cardId) };
      return calls.data("GET /cards/{cardId}/transactions", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/cards/{cardId}/transactions", {
          params: { path, query },
          ...init,
        }),
      );
    },
    /** Every transaction of the card matching `query`, fetched page by page as you iterate. */
    transactionsAll: (
      cardId: string,
      query: CardTransactionsQuery = {},
      options?: RequestOptions,
    ) => paginate(query, (q) => resource.transactions(cardId, q, options), byCursor),
    /**
     * `GET /cards/{cardId}/reveal`: number, CVV and expiry, fetched from the issuer (audited; never
     * cache or log them). Waits while the card is still `pending`/`creating`.
     */
    reveal: async (cardId: string, options?: RequestOptions): Promise<RevealedCard> => {
      const path = { cardId: id(cardId) };
      return calls.data("GET /cards/{cardId}/reveal", retryReveal, options, (init) =>
        calls.http.api.GET("/api/v1/cards/{cardId}/reveal", { params: { path }, ...init }),
      );
    },
    /** `POST /cards/{cardId}/reveal-token`: a single-use, short-lived token for a browser to redeem. */
    createRevealToken: async (cardId: string, options?: RequestOptions): Promise<RevealToken> => {
      const path = { cardId: id(cardId) };
      return calls.data("POST /cards/{cardId}/reveal-token", retryReveal, options, (init) =>
        calls.http.api.POST("/api/v1/cards/{cardId}/reveal-token", { params: { path }, ...init }),
      );
    },
    /**
     * `GET /cards/reveal?token=…`: redeems a reveal token (sent without the API key, as a browser
     * would). Single use: never retried but on 429, since a lost answer has used the token.
     */
    redeemRevealToken: async (token: string, options?: RequestOptions): Promise<RevealedCard> =>
      calls.data(
        "GET /cards/reveal",
        retryRateLimitedOnly,
        options,
        (init) =>
          calls.http.api.GET("/api/v1/cards/reveal", { params: { query: { token } }, ...init }),
        { anonymous: true },
      ),
  };
  return resource;
}
