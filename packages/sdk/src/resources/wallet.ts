import type { Calls } from "../calls.ts";
import { byCursor, paginate } from "../pagination.ts";
import { retryRead } from "../retry.ts";
import type { RequestOptions } from "../transport.ts";
import type { WalletBalances, WalletTransactionPage, WalletTransactionsQuery } from "../types.ts";

export function wallet(calls: Calls) {
  const resource = {
    /** `GET /wallet`: the tenant's balances in this key's mode, in major units. */
    balances: async (options?: RequestOptions): Promise<WalletBalances> =>
      calls.data("GET /wallet", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/wallet", init),
      ),
    /** `GET /wallet/transactions`: one page of the wallet's ledger, newest first, each with `balanceAfter`. */
    transactions: async (
      query: WalletTransactionsQuery = {},
      options?: RequestOptions,
    ): Promise<WalletTransactionPage> =>
      calls.data("GET /wallet/transactions", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/wallet/transactions", { params: { query }, ...init }),
      ),
    /** Every wallet transaction matching `query` (`currency`, dates), fetched page by page as you iterate. */
    transactionsAll: (query: WalletTransactionsQuery = {}, options?: RequestOptions) =>
      paginate(query, (q) => resource.transactions(q, options), byCursor),
  };
  return resource;
}
