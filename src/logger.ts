import pino, { type Logger } from "pino";

/**
 * Structured logs. Secrets and card data never reach them: every log object (and every child
 * binding, message and interpolated argument) is scrubbed before it is serialized, at any depth, by
 * key name and by value shape. See `scrubForLog` below; the code also never logs bodies of card or
 * KYC calls in the first place.
 */

const CENSOR = "[redacted]";

/** Keys whose values are secrets or card data wherever they appear (compared lower-case, without - and _). */
const SECRET_KEYS = new Set([
  "xaccesskey",
  "accesskey",
  "xapikey",
  "apikey",
  "authorization",
  "proxyauthorization",
  "cookie",
  "setcookie",
  "xauthtoken",
  "authtoken",
  "accesstoken",
  "refreshtoken",
  "token",
  "revealtoken",
  "idempotencykey",
  "password",
  "secret",
  "clientsecret",
  "webhooksecret",
  "pepper",
  "cardnumber",
  "pan",
  "cvv",
  "cvc",
  "cvv2",
  "frontfile",
  "backfile",
  "handfile",
]);

/**
 * Inside any `headers` object (inbound, outbound, busboy options, an HTTP client's error), only
 * these headers keep their values: an allowlist, so a credential header we have not thought of is
 * censored too.
 */
const HARMLESS_HEADERS = new Set([
  "accept",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "connection",
  "content-encoding",
  "content-length",
  "content-type",
  "date",
  "host",
  "retry-after",
  "transfer-encoding",
  "user-agent",
  "x-request-id",
]);

const normalizeKey = (key: string) => key.toLowerCase().replace(/[-_]/g, "");

/**
 * Secrets recognised by their shape, whatever key (or message) carries them: API secrets, webhook
 * signing secrets, reveal tokens, bearer/basic credentials.
 */
const SECRET_SHAPES: [RegExp, string][] = [
  [/(sk_(?:test|live)_)[A-Za-z0-9_-]+/g, `$1${CENSOR}`],
  [/(whsec_)[A-Za-z0-9_-]+/g, `$1${CENSOR}`],
  [/(rvt_)[A-Za-z0-9_-]+/g, `$1${CENSOR}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${CENSOR}`],
];

/** A string with every secret-shaped part (and credential query parameter) censored. */
export function scrubString(text: string): string {
  let out = text;
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return maskPans(redactUrl(out));
}

// Deeper than this is not walked (pino itself prints at most a few levels of a circular object).
const MAX_DEPTH = 10;

function scrubHeaders(headers: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (Array.isArray(headers)) {
    // rawHeaders: [name, value, name, value, …]
    return headers.map((item, i) =>
      i % 2 === 1 && !HARMLESS_HEADERS.has(String(headers[i - 1]).toLowerCase())
        ? CENSOR
        : scrubValue(item, seen, depth + 1),
    );
  }
  if (headers === null || typeof headers !== "object") return scrubValue(headers, seen, depth);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = HARMLESS_HEADERS.has(name.toLowerCase())
      ? scrubValue(value, seen, depth + 1)
      : CENSOR;
  }
  return out;
}

function scrubValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === "string") return scrubString(value);
  // A number can hold a 13- to 15-digit card number too: logged masked, as a string.
  if (typeof value === "number" && Number.isInteger(value) && value >= 1e12) {
    const masked = maskPans(String(value));
    return masked === String(value) ? value : masked;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[depth limit]";
  if (seen.has(value)) return "[Circular]";
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    return `[${(value as ArrayBufferView).byteLength} bytes]`;
  if (value instanceof Date) return value;
  if (value instanceof Error) return scrubValue(pino.stdSerializers.err(value), seen, depth);
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === "function") return scrubValue(withToJson.toJSON(), seen, depth);
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => scrubValue(item, seen, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const normalized = normalizeKey(key);
      if (SECRET_KEYS.has(normalized)) out[key] = CENSOR;
      else if (normalized === "headers" || normalized === "rawheaders")
        out[key] = scrubHeaders(item, seen, depth + 1);
      else out[key] = scrubValue(item, seen, depth + 1);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** A copy of a log value with every secret censored (by key at any depth, in headers, by shape). */
export function scrubForLog<T>(value: T): T {
  return scrubValue(value, new WeakSet(), 0) as T;
}

// Keys with a serializer of their own below (which scrubs its output): not walked here, because a
// raw request or reply is a large object graph that must not be enumerated.
const SERIALIZED_KEYS = new Set(["req", "res", "err"]);

/** formatters.log: runs on every log object before serialization. */
function scrubLogObject(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    out[key] = SERIALIZED_KEYS.has(key) ? value : scrubForLog({ [key]: value })[key];
  }
  return out;
}

/**
 * hooks.logMethod: the message and interpolated arguments are not part of the log object, so they
 * are scrubbed here. An error logged as the first argument lends pino its message: that message is
 * passed explicitly, scrubbed, so it cannot carry a secret into `msg`.
 */
function scrubArguments(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  const scrubbedRest = rest.map(scrubForLog);
  if (first instanceof Error && typeof rest[0] !== "string")
    return [{ err: first }, scrubString(first.message), ...scrubbedRest];
  const object = first as { msg?: unknown; err?: { message?: unknown } } | null;
  if (
    object !== null &&
    typeof object === "object" &&
    rest[0] === undefined &&
    object.msg === undefined &&
    object.err
  )
    // pino would take the message from err.message as it is: pass it scrubbed instead.
    return [object, scrubForLog(object.err.message)];
  if (typeof first === "string") return [scrubString(first), ...scrubbedRest];
  return [first, ...scrubbedRest];
}

/** Query parameters that are credentials (a reveal token) or card data: their values never reach the logs. */
const SECRET_QUERY =
  /([?&](?:token|access_key|accessKey|cvv|cvc|cvv2|card_number|cardNumber|pan)=)[^&#]*/gi;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// 13 to 19 digits standing alone: the shape of a card number.
const PAN_LIKE = /(?<![\d.])\d{13,19}(?![\d.])/g;

/**
 * Masks anything that looks like a card number (PCI DSS 3.4: first six and last four at most) in a
 * value about to be logged. A last line of defence: card data should never be logged in the first
 * place, but a client can put a card number in a URL or header. It runs on values before
 * serialization, never on the finished line, whose other numbers (times, durations) it would break.
 */
export function maskPans(text: string): string {
  return text.replace(PAN_LIKE, (digits) =>
    luhnValid(digits)
      ? `${digits.slice(0, 6)}${"*".repeat(digits.length - 10)}${digits.slice(-4)}`
      : digits,
  );
}

export const redactUrl = (url: string) => url.replace(SECRET_QUERY, "$1[redacted]");

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remoteAddress?: string; remotePort?: number };
}

/** Fastify's request serializer, with credentials in the query string censored. */
function serializeRequest(req: LoggedRequest) {
  return scrubForLog({
    method: req.method,
    url: typeof req.url === "string" ? redactUrl(req.url) : req.url,
    host: req.host ?? req.hostname,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
    remotePort: req.socket?.remotePort,
  });
}

/**
 * A Fastify reply (or Node response) is logged as its status code only; anything else logged under
 * `res` (e.g. an upstream response with its headers) is scrubbed like any other value.
 */
function serializeResponse(res: unknown) {
  const reply = res as { statusCode?: unknown; raw?: unknown; getHeader?: unknown } | null;
  if (
    reply &&
    typeof reply === "object" &&
    ("raw" in reply || typeof reply.getHeader === "function")
  )
    return { statusCode: reply.statusCode };
  return scrubForLog(res);
}

/** Errors keep pino's standard form (type, message, stack, cause, own fields), scrubbed. */
const serializeError = (err: unknown) =>
  scrubForLog(err instanceof Error ? pino.stdSerializers.err(err) : err);

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const logger = pino(
    {
      level,
      serializers: { req: serializeRequest, res: serializeResponse, err: serializeError },
      formatters: { log: scrubLogObject, bindings: scrubForLog },
      hooks: {
        logMethod(args, method) {
          method.apply(this, scrubArguments(args) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  // pino applies formatters.bindings to the root's bindings only; a child's (and, since children
  // inherit this method, a grandchild's) are scrubbed here, before pino serializes them.
  const child = logger.child;
  logger.child = function scrubbedChild(this: Logger, bindings, options) {
    return child.call(this, scrubForLog(bindings), options);
  } as typeof logger.child;
  return logger;
}
