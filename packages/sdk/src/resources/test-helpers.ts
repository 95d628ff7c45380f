import { type Calls, id } from "../calls.ts";
import { retryRateLimitedOnly } from "../retry.ts";
import type { RequestOptions } from "../transport.ts";
import type { AuthorizeInput, SimulatedTransaction } from "../types.ts";

/**
 * Test keys only (a live key gets `NotFoundError`): drive a card's transactions through the
 * simulator. Each call makes a new transaction and carries no key, so it is retried only on 429.
 */
export function testHelpers(calls: Calls) {
  /** reverse, settle and refund: the same request but for its last path segment. */
  const follow =
    (action: "reverse" | "settle" | "refund") =>
    async (transactionId: string, options?: RequestOptions): Promise<SimulatedTransaction> => {
      const path = { transactionId: id(transactionId) };
      return calls.data(
        `POST /test-helpers/transactions/{transactionId}/${action}`,
        retryRateLimitedOnly,
        options,
        (init) =>
          calls.http.api.POST(`/api/v1/test-helpers/transactions/{transactionId}/${action}`, {
            params: { path },
            ...init,
          }),
      );
    };

  return {
    /**
     * `POST /test-helpers/cards/{cardId}/authorizations`: a simulated purchase, approved or
     * declined by the simulated issuer's rules (a decline is a transaction, not an error).
     */
    authorize: async (
      cardId: string,
      input: AuthorizeInput,
      options?: RequestOptions,
    ): Promise<SimulatedTransaction> => {
      const path = { cardId: id(cardId) };
      return calls.data(
        "POST /test-helpers/cards/{cardId}/authorizations",
        retryRateLimitedOnly,
        options,
        (init) =>
          calls.http.api.POST("/api/v1/test-helpers/cards/{cardId}/authorizations", {
            params: { path },
            body: input,
            ...init,
          }),
      );
    },
    /** `POST /test-helpers/transactions/{transactionId}/reverse`: the authorization becomes `reversed`. */
    reverse: follow("reverse"),
    /** `POST /test-helpers/transactions/{transactionId}/settle`: the authorization becomes `settled`. */
    settle: follow("settle"),
    /** `POST /test-helpers/transactions/{transactionId}/refund`: a refund of a settled purchase. */
    refund: follow("refund"),
  };
}
