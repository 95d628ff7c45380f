import type { z } from "zod";
import { parseErrorBody, UqpayError } from "./errors.ts";
import { redact, redactString } from "./redact.ts";

/**
 * One HTTP exchange with UQPay, with the retry policy. Retries only where repeating cannot do harm:
 *
 * | failure                                   | GET   | POST (same idempotency key) |
 * |-------------------------------------------|-------|-----------------------------|
 * | connection refused / DNS (never sent)     | retry | retry                       |
 * | reset / socket error after connecting     | retry | no: outcome unknown         |
 * | timeout                                   | retry | no: outcome unknown         |
 * | 429                                       | retry | retry (rejected, not run)   |
 * | 500 `api_error` (documented safe to retry)| retry | retry                       |
 * | "request is processing" (replay in flight)| retry | retry                       |
 * | other 5xx                                 | retry | no: outcome unknown         |
 * | 2xx with a body we cannot read            | no    | no: outcome unknown         |
 *
 * Backoff is exponential with full jitter (delay = random(0, min(cap, base·2^n))); a Retry-After
 * header sets the delay instead, and one longer than `maxRetryAfterMs` ends the retries and
 * surfaces `rate_limited` so the caller can reschedule rather than hold a request open.
 */

export interface Logger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Fixed, or looked up per request (a test-mode simulator that may move to another process). */
  baseUrl: string | (() => Promise<string>);
  /** Told when a request provably never reached the server (e.g. to forget a cached base URL). */
  onUnreachable?: () => void;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  maxRetryAfterMs: number;
  logger: Logger | undefined;
  fetch: FetchLike;
}

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string | number | boolean | undefined | null> | undefined;
  body?: unknown;
  headers: Record<string, string>;
  /** "text": a 2xx body is returned as the raw string (report downloads). Default JSON. */
  responseType?: "json" | "text";
}

/** Errors whose request provably never reached the server. */
const NEVER_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function buildPath(path: string, query: RequestSpec["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null) params.append(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function errorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 6 && cur !== null && typeof cur === "object"; i++) {
    const o = cur as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.code === "string") return o.code;
    if (Array.isArray(o.errors)) {
      const inner = o.errors.map(errorCode).find((c) => c !== undefined);
      if (inner) return inner;
    }
    cur = o.cause;
  }
  return undefined;
}

function isTimeout(err: unknown): boolean {
  return (
    err !== null &&
    typeof err === "object" &&
    "name" in err &&
    (err.name === "TimeoutError" || err.name === "AbortError")
  );
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HttpTransport {
  constructor(private readonly opts: HttpOptions) {}

  /** Sends with retries and validates a 2xx body against `schema`. */
  async execute<S extends z.ZodType>(spec: RequestSpec, schema: S): Promise<z.output<S>> {
    const { json, attempts } = await this.executeRaw(spec);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      throw new UqpayError("malformed_response", `unexpected response shape: ${issues}`, {
        method: spec.method,
        path: redactString(buildPath(spec.path, spec.query)),
        httpStatus: 200,
        outcomeUnknown: spec.method === "POST",
        attempts,
      });
    }
    return parsed.data;
  }

  async executeRaw(spec: RequestSpec): Promise<{ json: unknown; attempts: number }> {
    const maxAttempts = Math.max(1, this.opts.maxRetries + 1);
    for (let attempt = 1; ; attempt++) {
      try {
        return { json: await this.once(spec, attempt), attempts: attempt };
      } catch (err) {
        if (!(err instanceof UqpayError)) throw err;
        const delay = this.retryDelay(spec.method, err, attempt);
        if (delay === undefined || attempt >= maxAttempts) throw err;
        await sleep(delay);
      }
    }
  }

  /** ms to wait before the next attempt, or undefined when this failure must not be retried. */
  private retryDelay(method: string, err: UqpayError, attempt: number): number | undefined {
    let retryable = false;
    switch (err.kind) {
      case "rate_limited":
        retryable = true;
        break;
      case "network":
        retryable = method === "GET" || err.mayHaveBeenSent === false;
        break;
      case "timeout":
        retryable = method === "GET";
        break;
      case "api": {
        const status = err.httpStatus ?? 0;
        const processing = /request is processing/i.test(err.message);
        if (method === "GET") retryable = status >= 500 || processing;
        else retryable = (status === 500 && err.type === "api_error") || processing;
        break;
      }
      case "malformed_response":
        retryable = false;
        break;
    }
    if (!retryable) return undefined;
    if (err.retryAfterMs !== undefined) {
      return err.retryAfterMs > this.opts.maxRetryAfterMs ? undefined : err.retryAfterMs;
    }
    const cap = Math.min(this.opts.retryMaxDelayMs, this.opts.retryBaseMs * 2 ** (attempt - 1));
    return Math.floor(Math.random() * cap);
  }

  private async once(spec: RequestSpec, attempt: number): Promise<unknown> {
    const pathWithQuery = buildPath(spec.path, spec.query);
    const logPath = redactString(pathWithQuery);
    const base = { method: spec.method, path: logPath, attempts: attempt };
    let baseUrl: string;
    try {
      baseUrl =
        typeof this.opts.baseUrl === "string" ? this.opts.baseUrl : await this.opts.baseUrl();
    } catch (cause) {
      // Nowhere to send it: the request provably never left.
      throw new UqpayError("network", "the issuer's address is not known yet", {
        ...base,
        mayHaveBeenSent: false,
        outcomeUnknown: false,
        cause,
      });
    }
    const url = `${baseUrl.replace(/\/+$/, "")}${pathWithQuery}`;
    const started = performance.now();
    const log = (fields: Record<string, unknown>, failed: boolean) => {
      const line = {
        method: spec.method,
        path: logPath,
        attempt,
        durationMs: Math.round(performance.now() - started),
        ...fields,
      };
      if (failed) this.opts.logger?.warn(line, "uqpay request failed");
      else this.opts.logger?.info(line, "uqpay request");
    };

    const headers: Record<string, string> = {
      accept: spec.responseType === "text" ? "*/*" : "application/json",
      ...spec.headers,
    };
    const init: RequestInit = {
      method: spec.method,
      headers,
      signal: AbortSignal.timeout(this.opts.timeoutMs),
      redirect: "manual",
    };
    if (spec.method === "POST") {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(spec.body ?? {});
    }

    let status: number;
    let text: string;
    let resHeaders: Headers;
    let gotHeaders = false;
    try {
      const res = await this.opts.fetch(url, init);
      gotHeaders = true;
      status = res.status;
      resHeaders = res.headers;
      text = await res.text();
    } catch (cause) {
      if (isTimeout(cause)) {
        log({ error: "timeout" }, true);
        throw new UqpayError("timeout", `no response within ${this.opts.timeoutMs} ms`, {
          ...base,
          outcomeUnknown: spec.method === "POST",
          mayHaveBeenSent: true,
          cause,
        });
      }
      const code = errorCode(cause);
      const neverSent = !gotHeaders && code !== undefined && NEVER_SENT_CODES.has(code);
      log({ error: "network", code }, true);
      if (neverSent) this.opts.onUnreachable?.();
      throw new UqpayError("network", `network error${code ? ` (${code})` : ""}`, {
        ...base,
        mayHaveBeenSent: !neverSent,
        outcomeUnknown: spec.method === "POST" && !neverSent,
        cause,
      });
    }

    log({ status }, status >= 400);

    if (status >= 200 && status < 300) {
      if (spec.responseType === "text") return text;
      try {
        return JSON.parse(text);
      } catch {
        throw new UqpayError("malformed_response", `HTTP ${status} with a body that is not JSON`, {
          ...base,
          httpStatus: status,
          outcomeUnknown: spec.method === "POST",
        });
      }
    }

    const parsed = parseErrorBody(status, text);
    const body = parsed.extra ? (redact(parsed.extra) as Record<string, unknown>) : undefined;
    const message = redactString(parsed.message);
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(resHeaders.get("retry-after"));
      throw new UqpayError("rate_limited", message, {
        ...base,
        httpStatus: status,
        type: parsed.type,
        code: parsed.code,
        retryAfterMs,
        outcomeUnknown: false,
        body,
      });
    }
    const processing = /request is processing/i.test(message);
    throw new UqpayError("api", message, {
      ...base,
      httpStatus: status,
      type: parsed.type,
      code: parsed.code,
      outcomeUnknown:
        spec.method === "POST" &&
        (status >= 500 || processing || parsed.type === "idempotency_error"),
      body,
    });
  }
}
