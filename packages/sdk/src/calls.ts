import { type RetryPolicy, retryKeyed } from "./retry.ts";
import type { Call, RequestOptions, Transport } from "./transport.ts";
import type { Idempotent } from "./types.ts";

export interface IdempotentOptions extends RequestOptions {
  /**
   * Sent as `Idempotency-Key`. Generated (a random UUID) when omitted. Either way the same key is
   * sent on every retry of this call, so the request acts at most once. Pass your own (e.g. your
   * order id) to make retries safe across processes and restarts too.
   */
  idempotencyKey?: string;
}

/**
 * The two shapes of call every resource makes, over one transport: one place decides how an
 * answer becomes a result and how an Idempotency-Key is chosen and checked.
 */
export class Calls {
  readonly http: Transport;

  constructor(http: Transport) {
    this.http = http;
  }

  /** A call whose answer is its body. */
  async data<T>(
    what: string,
    retry: RetryPolicy,
    options: RequestOptions | undefined,
    send: Call<T>["send"],
    extra: { anonymous?: boolean } = {},
  ): Promise<T> {
    const { data } = await this.http.call<T>({ what, retry, options, send, ...extra });
    return data;
  }

  /** A POST sent with an Idempotency-Key (yours or a new UUID), the same on every attempt. */
  async idempotent<T>(
    what: string,
    options: IdempotentOptions | undefined,
    send: Call<T>["send"],
  ): Promise<T & Idempotent> {
    const idempotencyKey = options?.idempotencyKey ?? globalThis.crypto.randomUUID();
    // The contract's pattern. Checked here: an invalid header value would fail every attempt
    // before sending, and look like a connection error after the retries.
    if (!/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new TypeError("idempotencyKey: 1-255 printable ASCII characters, without spaces");
    }
    const { data, response } = await this.http.call<T>({
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
}

/**
 * An id for a path segment: a non-empty string, and not `.` or `..`, which URL resolution would
 * turn into another path of the API instead of sending as an id.
 */
export function id(value: string): string {
  if (typeof value !== "string" || value === "" || value === "." || value === "..") {
    throw new TypeError("an id must be a non-empty string (and not . or ..)");
  }
  return value;
}
