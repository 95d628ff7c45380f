import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  type Idempotent,
  keyFrom,
  type MaybeIdempotent,
  seg,
  type UqpayClientOptions,
} from "./client-options.ts";
import { isTokenExpired, UqpayError } from "./errors.ts";
import { HttpTransport, type RequestSpec } from "./http.ts";
import {
  type Balance,
  type BalanceTransaction,
  balance,
  balanceTransaction,
  type CardTransaction,
  type CreateReportBody,
  type CreateTransferBody,
  cardTransaction,
  type ListBalanceTransactionsParams,
  type ListCardTransactionsParams,
  reportCreateResponse,
  type SimulateAuthorizationBody,
  type SimulateReversalBody,
  type Transfer,
  transfer,
  transferCreateResponse,
} from "./money-types.ts";
import { type AccessToken, TokenCache } from "./token-cache.ts";
import {
  type ActivateCardBody,
  type ActivateCardResponse,
  activateCardResponse,
  type Card,
  type CardCreateResponse,
  type Cardholder,
  type CardholderWriteResponse,
  type CardOrder,
  type CardUpdateResponse,
  type CreateCardBody,
  type CreateCardholderBody,
  card,
  cardCreateResponse,
  cardholder,
  cardholderWriteResponse,
  cardOrder,
  cardUpdateResponse,
  type ElevateLimitBody,
  type ListCardholdersParams,
  type ListCardsParams,
  type Paged,
  type PageParams,
  type PanToken,
  type Product,
  paged,
  panToken,
  product,
  type SecureCard,
  secureCard,
  tokenResponse,
  type UpdateCardBody,
  type UpdateCardholderBody,
  type UpdateCardStatusBody,
} from "./types.ts";

/**
 * Typed client for UQPay Card Issuance v1.6. No dependency on the rest of Cardrail.
 *
 * Idempotency: every POST carries `x-idempotency-key`. Calls that create objects or move money
 * (cardholder create, card create, recharge, withdraw, simulations) REQUIRE the key from the
 * caller, so a retry after a crash reuses it and the upstream replays instead of acting twice.
 * Other POSTs (updates, status, balance retrieve, PAN token) accept one and otherwise generate a
 * fresh UUID v4. Automatic retries inside one call always reuse the same key.
 */
export function createUqpayClient(options: UqpayClientOptions) {
  const http = new HttpTransport({
    baseUrl: options.baseUrl,
    onUnreachable: options.onUnreachable,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxRetries: options.maxRetries ?? 2,
    retryBaseMs: options.retryBaseMs ?? 250,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 5_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
    logger: options.logger,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  });

  const tokens = new TokenCache({
    now: options.now,
    fetchToken: async (): Promise<AccessToken> => {
      // No body; a POST with a fresh key (the SDKs send one everywhere, harmless here).
      const res = await http.execute(
        {
          method: "POST",
          path: "/v1/connect/token",
          headers: {
            "x-client-id": options.clientId,
            "x-api-key": options.apiKey,
            "x-idempotency-key": randomUUID(),
          },
        },
        tokenResponse,
      );
      const exp = res.expired_at;
      return { token: res.auth_token, expiresAtMs: exp > 1e11 ? exp : exp * 1000 };
    },
  });

  /** The calls, acting for `onBehalfOf` (undefined: the master account). */
  const bind = (onBehalfOf: string | undefined) => {
    async function call<S extends z.ZodType>(
      spec: Omit<RequestSpec, "headers"> & { idempotencyKey?: string },
      schema: S,
    ): Promise<z.output<S>> {
      const send = async (token: string) => {
        const headers: Record<string, string> = { "x-auth-token": `Bearer ${token}` };
        if (onBehalfOf) headers["x-on-behalf-of"] = onBehalfOf;
        if (spec.method === "POST")
          headers["x-idempotency-key"] = spec.idempotencyKey ?? randomUUID();
        return http.execute(
          {
            method: spec.method,
            path: spec.path,
            query: spec.query,
            body: spec.body,
            headers,
            responseType: spec.responseType,
          },
          schema,
        );
      };
      const token = await tokens.get();
      try {
        return await send(token);
      } catch (err) {
        // A 401 means the request was refused before it ran, so repeating it (same key) is safe.
        if (err instanceof UqpayError && isTokenExpired(err)) {
          tokens.invalidate(token);
          return send(await tokens.get());
        }
        throw err;
      }
    }

    const get = <S extends z.ZodType>(path: string, schema: S, query?: RequestSpec["query"]) =>
      call({ method: "GET", path, query }, schema);
    /** `key` is resolved inside the promise so a missing/invalid key rejects rather than throws. */
    const post = async <S extends z.ZodType>(
      path: string,
      body: unknown,
      schema: S,
      key: () => string,
    ): Promise<z.output<S>> => call({ method: "POST", path, body, idempotencyKey: key() }, schema);
    type Query = RequestSpec["query"];
    const q = (p: object | undefined): Query => p as Query;

    const cardholderPage = paged(cardholder);
    const productPage = paged(product);
    const cardPage = paged(card);
    const balancePage = paged(balance);
    const balanceTxPage = paged(balanceTransaction);
    const cardTxPage = paged(cardTransaction);

    return {
      /** Fetches (or reuses) the access token; mostly for health checks. */
      getToken: () => tokens.get(),

      cardholders: {
        create: (body: CreateCardholderBody, c: Idempotent): Promise<CardholderWriteResponse> =>
          post("/v1/issuing/cardholders", body, cardholderWriteResponse, () => keyFrom(c, true)),
        retrieve: (id: string): Promise<Cardholder> =>
          get(`/v1/issuing/cardholders/${seg(id)}`, cardholder),
        list: (p?: ListCardholdersParams): Promise<Paged<Cardholder>> =>
          get("/v1/issuing/cardholders", cardholderPage, q(p)),
        update: (
          id: string,
          body: UpdateCardholderBody,
          c?: MaybeIdempotent,
        ): Promise<CardholderWriteResponse> =>
          post(`/v1/issuing/cardholders/${seg(id)}`, body, cardholderWriteResponse, () =>
            keyFrom(c, false),
          ),
      },

      products: {
        list: (p?: PageParams): Promise<Paged<Product>> =>
          get("/v1/issuing/products", productPage, q(p)),
      },

      cards: {
        create: (body: CreateCardBody, c: Idempotent): Promise<CardCreateResponse> =>
          post("/v1/issuing/cards", body, cardCreateResponse, () => keyFrom(c, true)),
        retrieve: (id: string): Promise<Card> => get(`/v1/issuing/cards/${seg(id)}`, card),
        list: (p?: ListCardsParams): Promise<Paged<Card>> =>
          get("/v1/issuing/cards", cardPage, q(p)),
        update: (
          id: string,
          body: UpdateCardBody,
          c?: MaybeIdempotent,
        ): Promise<CardUpdateResponse> =>
          post(`/v1/issuing/cards/${seg(id)}`, body, cardUpdateResponse, () => keyFrom(c, false)),
        updateStatus: (
          id: string,
          body: UpdateCardStatusBody,
          c?: MaybeIdempotent,
        ): Promise<CardUpdateResponse> =>
          post(`/v1/issuing/cards/${seg(id)}/status`, body, cardUpdateResponse, () =>
            keyFrom(c, false),
          ),
        recharge: (id: string, body: { amount: number }, c: Idempotent): Promise<CardOrder> =>
          post(`/v1/issuing/cards/${seg(id)}/recharge`, body, cardOrder, () => keyFrom(c, true)),
        withdraw: (id: string, body: { amount: number }, c: Idempotent): Promise<CardOrder> =>
          post(`/v1/issuing/cards/${seg(id)}/withdraw`, body, cardOrder, () => keyFrom(c, true)),
        /** The path takes the card ORDER id (as the Go/Python SDKs and the CLI do). */
        getOrder: (cardOrderId: string): Promise<CardOrder> =>
          get(`/v1/issuing/cards/${seg(cardOrderId)}/order`, cardOrder),
        /** Full PAN, CVV and expiry: never log the result. */
        getSecure: (id: string): Promise<SecureCard> =>
          get(`/v1/issuing/cards/${seg(id)}/secure`, secureCard),
        /** Physical cards only: activation code from the mailer and a 6-digit PIN. */
        activate: (body: ActivateCardBody, c?: MaybeIdempotent): Promise<ActivateCardResponse> =>
          post("/v1/issuing/cards/activate", body, activateCardResponse, () => keyFrom(c, false)),
        /** Raise a card's limit beyond the usual cap (80000 USD/XUSD, 100000 SGD); result by webhook. */
        elevateLimit: (
          id: string,
          body: ElevateLimitBody,
          c?: MaybeIdempotent,
        ): Promise<CardUpdateResponse> =>
          post(`/v1/issuing/cards/${seg(id)}/elevate_limit`, body, cardUpdateResponse, () =>
            keyFrom(c, false),
          ),
        createPanToken: (id: string, c?: MaybeIdempotent): Promise<PanToken> =>
          post(`/v1/issuing/cards/${seg(id)}/token`, {}, panToken, () => keyFrom(c, false)),
      },

      balances: {
        list: (p?: PageParams): Promise<Paged<Balance>> =>
          get("/v1/issuing/balances", balancePage, q(p)),
        /** A POST upstream (with an idempotency key), though it only reads. */
        retrieve: (currency: string, c?: MaybeIdempotent): Promise<Balance> =>
          post("/v1/issuing/balances", { currency }, balance, () => keyFrom(c, false)),
        transactions: (p?: ListBalanceTransactionsParams): Promise<Paged<BalanceTransaction>> =>
          get("/v1/issuing/balances/transactions", balanceTxPage, q(p)),
      },

      transactions: {
        list: (p?: ListCardTransactionsParams): Promise<Paged<CardTransaction>> =>
          get("/v1/issuing/transactions", cardTxPage, q(p)),
        retrieve: (id: string): Promise<CardTransaction> =>
          get(`/v1/issuing/transactions/${seg(id)}`, cardTransaction),
      },

      transfers: {
        /** Moves money between the master account and a sub-account: the key is required. */
        create: (body: CreateTransferBody, c: Idempotent): Promise<{ transfer_id: string }> =>
          post("/v1/issuing/transfers", body, transferCreateResponse, () => keyFrom(c, true)),
        retrieve: (id: string): Promise<Transfer> =>
          get(`/v1/issuing/transfers/${seg(id)}`, transfer),
      },

      reports: {
        create: (body: CreateReportBody, c?: MaybeIdempotent): Promise<{ report_id: string }> =>
          post("/v1/issuing/reports", body, reportCreateResponse, () => keyFrom(c, false)),
        /** The report file as text (CSV in the simulator; the upstream format is UNCONFIRMED). */
        download: (id: string): Promise<string> =>
          call(
            { method: "GET", path: `/v1/issuing/reports/${seg(id)}`, responseType: "text" },
            z.string(),
          ),
      },

      simulation: {
        authorization: (body: SimulateAuthorizationBody, c: Idempotent): Promise<CardTransaction> =>
          post("/v1/simulation/issuing/authorization", body, cardTransaction, () =>
            keyFrom(c, true),
          ),
        reversal: (body: SimulateReversalBody, c: Idempotent): Promise<CardTransaction> =>
          post("/v1/simulation/issuing/reversal", body, cardTransaction, () => keyFrom(c, true)),
      },
    };
  };

  return {
    ...bind(options.onBehalfOf),
    /** The same client (token, connection) acting for a sub-account (x-on-behalf-of). */
    forAccount: (accountId: string | undefined) => bind(accountId),
  };
}

export type { Idempotent, MaybeIdempotent, UqpayClientOptions } from "./client-options.ts";
export type UqpayClient = ReturnType<typeof createUqpayClient>;
/** A client bound to one account: what the adapter needs. */
export type UqpayAccountClient = ReturnType<UqpayClient["forAccount"]>;
export { isUqpayError, UqpayError, type UqpayErrorKind } from "./errors.ts";
export type * from "./money-types.ts";
export { redact, redactString } from "./redact.ts";
export type * from "./types.ts";
