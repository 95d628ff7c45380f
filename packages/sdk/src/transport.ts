import createClient, { type Client } from "openapi-fetch";
import { CardrailConnectionError, CardrailTimeoutError, errorFromResponse } from "./errors.ts";
import type { paths } from "./generated/openapi.ts";
import {
  backoff,
  jittered,
  MAX_RETRY_AFTER_MS,
  type Outcome,
  parseRetryAfter,
  type RetryPolicy,
  sleep,
  throwIfAborted,
} from "./retry.ts";

export const SDK_VERSION = "0.1.0";

/** Options every method takes. */
export interface RequestOptions {
  /** Cancels the call, including any wait between retries; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /** Overrides the client's retry count. */
  maxRetries?: number;
}

export interface TransportOptions {
  apiKey: string;
  accessKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
}

/** What one attempt hands to the generated client: its own signal and the headers to send. */
export type AttemptInit = {
  signal: AbortSignal;
  headers: Record<string, string>;
};

/** One call of the API through the typed client (openapi-fetch's `{ data, error, response }`). */
export interface Call<T> {
  /** `"POST /cards"`, for messages. */
  what: string;
  retry: RetryPolicy;
  options?: RequestOptions | undefined;
  /** Sent as `Idempotency-Key` on every attempt, and put on every error. */
  idempotencyKey?: string;
  /** True for the one operation that takes no API key (redeeming a reveal token). */
  anonymous?: boolean;
  send: (init: AttemptInit) => Promise<{ data?: T; error?: unknown; response: Response }>;
}

/**
 * The typed client generated from the contract (openapi-fetch over the generated `paths`), wrapped
 * in what it cannot know: credentials, a timeout per attempt, retries where the operation's policy
 * allows (backoff, or the server's Retry-After), and a typed error for every refusal.
 */
export class Transport {
  readonly api: Client<paths>;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
    // redirect "error": the API never redirects, and following one would send the access key
    // (a custom header, which fetch does not strip across origins) wherever it points.
    this.api = createClient<paths>({
      baseUrl: options.baseUrl,
      fetch: options.fetch,
      redirect: "error",
    });
  }

  async call<T>(call: Call<T>): Promise<{ data: T; response: Response }> {
    const maxRetries = Math.max(0, call.options?.maxRetries ?? this.#options.maxRetries);
    const timeoutMs = call.options?.timeoutMs ?? this.#options.timeoutMs;
    const userSignal = call.options?.signal;
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": `cardrail-sdk-ts/${SDK_VERSION}`,
      ...(call.anonymous
        ? {}
        : { "x-api-key": this.#options.apiKey, "x-access-key": this.#options.accessKey }),
      ...(call.idempotencyKey ? { "idempotency-key": call.idempotencyKey } : {}),
    };

    for (let attempt = 0; ; attempt++) {
      throwIfAborted(userSignal);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = userSignal ? AbortSignal.any([userSignal, timeout]) : timeout;
      let answer: Awaited<ReturnType<Call<T>["send"]>>;
      try {
        answer = await call.send({ signal, headers });
      } catch (cause) {
        throwIfAborted(userSignal);
        if (attempt < maxRetries && call.retry({})) {
          await sleep(backoff(attempt), userSignal);
          continue;
        }
        const options = { cause, idempotencyKey: call.idempotencyKey };
        throw timeout.aborted
          ? new CardrailTimeoutError(`${call.what}: no answer within ${timeoutMs} ms`, options)
          : new CardrailConnectionError(`${call.what}: ${describe(cause)}`, options);
      }

      const { response } = answer;
      if (response.ok) return { data: answer.data as T, response };

      const envelope = isEnvelope(answer.error) ? answer.error : undefined;
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      const outcome: Outcome = {
        status: response.status,
        ...(envelope ? { code: envelope.error.code, details: envelope.error.details } : {}),
      };
      if (
        attempt < maxRetries &&
        call.retry(outcome) &&
        (retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS)
      ) {
        await sleep(
          retryAfterMs === undefined ? backoff(attempt) : jittered(retryAfterMs),
          userSignal,
        );
        continue;
      }
      const text = typeof answer.error === "string" ? answer.error : undefined;
      throw errorFromResponse({
        status: response.status,
        code: envelope?.error.code ?? "unexpected_response",
        message:
          envelope?.error.message ?? `Unexpected ${response.status} answer from ${call.what}`,
        details: envelope ? envelope.error.details : text?.slice(0, 500) || undefined,
        requestId:
          (typeof envelope?.requestId === "string" ? envelope.requestId : undefined) ??
          response.headers.get("x-request-id") ??
          undefined,
        retryAfterSeconds: retryAfterMs === undefined ? undefined : retryAfterMs / 1000,
        idempotencyKey: call.idempotencyKey,
      });
    }
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

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
