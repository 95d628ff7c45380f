import type { Calls } from "../calls.ts";
import { byCursor, paginate } from "../pagination.ts";
import { retryRead } from "../retry.ts";
import type { RequestOptions } from "../transport.ts";
import type { ListTransactionsQuery, TransactionPage } from "../types.ts";

export function transactions(calls: Calls) {
  const resource = {
    /** `GET /transactions`: one page of every card's transactions, newest first. */
    list: async (
      query: ListTransactionsQuery = {},
      options?: RequestOptions,
    ): Promise<TransactionPage> =>
      calls.data("GET /transactions", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/transactions", { params: { query }, ...init }),
      ),
    /** Every transaction matching `query` (`cardId`, `status`, dates), fetched page by page as you iterate. */
    listAll: (query: ListTransactionsQuery = {}, options?: RequestOptions) =>
      paginate(query, (q) => resource.list(q, options), byCursor),
  };
  return resource;
}
