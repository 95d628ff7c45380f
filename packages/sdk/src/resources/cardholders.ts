import { type Calls, type IdempotentOptions, id } from "../calls.ts";
import { CardholderRejectedError, CardrailTimeoutError } from "../errors.ts";
import { byCursor, paginate } from "../pagination.ts";
import { retryRead, retryResubmit, sleep, throwIfAborted } from "../retry.ts";
import type { RequestOptions } from "../transport.ts";
import type {
  Cardholder,
  CardholderPage,
  CardholderStatusResponse,
  CreateCardholderInput,
  CreatedCardholder,
  CreatedCardholderResult,
  ListCardholdersQuery,
  ResubmitDocumentsInput,
} from "../types.ts";
import { toFormData } from "../uploads.ts";

export interface WaitForActiveOptions {
  /** Give up after this many ms with a `CardrailTimeoutError`. Default 120 000. */
  timeoutMs?: number;
  /** Between polls, in ms. Default 1 000. */
  intervalMs?: number;
  signal?: AbortSignal;
}

export function cardholders(calls: Calls) {
  const resource = {
    /**
     * `POST /cardholders`: create the cardholder and submit KYC (multipart; documents from paths,
     * buffers, blobs or streams). Always sends an `Idempotency-Key`, the same on every retry.
     */
    create: async (
      input: CreateCardholderInput,
      options?: IdempotentOptions,
    ): Promise<CreatedCardholderResult> => {
      const form = await toFormData(input);
      return calls.idempotent<CreatedCardholder>("POST /cardholders", options, (init) =>
        calls.http.api.POST("/api/v1/cardholders", { body: form as never, ...init }),
      );
    },
    /** `GET /cardholders`: one page, newest first; `listAll` walks every page. */
    list: async (
      query: ListCardholdersQuery = {},
      options?: RequestOptions,
    ): Promise<CardholderPage> =>
      calls.data("GET /cardholders", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/cardholders", { params: { query }, ...init }),
      ),
    /** Every cardholder matching `query` (`status`, `email`, dates), fetched page by page as you iterate. */
    listAll: (query: ListCardholdersQuery = {}, options?: RequestOptions) =>
      paginate(query, (q) => resource.list(q, options), byCursor),
    /** `GET /cardholders/{holderId}`: the cardholder's profile. */
    retrieve: async (holderId: string, options?: RequestOptions): Promise<Cardholder> => {
      const path = { holderId: id(holderId) };
      return calls.data("GET /cardholders/{holderId}", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/cardholders/{holderId}", { params: { path }, ...init }),
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
      return calls.data("POST /cardholders/{holderId}/documents", retryResubmit, options, (init) =>
        calls.http.api.POST("/api/v1/cardholders/{holderId}/documents", {
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
      return calls.data("GET /cardholders/{holderId}/status", retryRead, options, (init) =>
        calls.http.api.GET("/api/v1/cardholders/{holderId}/status", { params: { path }, ...init }),
      );
    },
    /**
     * Polls the status until `ACTIVE` (resolves with it). Rejects with `CardholderRejectedError` on
     * `REJECTED`, `CardrailTimeoutError` after `timeoutMs`, and the signal's reason (an `AbortError`) on abort.
     */
    waitForActive: async (
      holderId: string,
      options: WaitForActiveOptions = {},
    ): Promise<CardholderStatusResponse> => {
      const timeoutMs = options.timeoutMs ?? 120_000;
      const intervalMs = options.intervalMs ?? 1_000;
      const deadline = Date.now() + timeoutMs;
      const signal = options.signal;
      for (;;) {
        throwIfAborted(signal);
        const view = await resource.status(holderId, signal ? { signal } : {});
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
    },
  };
  return resource;
}
