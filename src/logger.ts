import pino, { type Logger } from "pino";

/**
 * Structured logs. Secrets and card data never reach them: these paths are censored wherever they
 * appear, and the code never logs bodies of card or KYC calls in the first place.
 */
export const REDACT_PATHS = [
  'req.headers["x-access-key"]',
  'req.headers["x-api-key"]',
  "req.headers.authorization",
  'req.headers["x-auth-token"]',
  "accessKey",
  "*.accessKey",
  "card_number",
  "*.card_number",
  "cardNumber",
  "*.cardNumber",
  "cvv",
  "*.cvv",
  "*.front_file",
  "*.back_file",
  "*.hand_file",
];

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

// 13 to 19 digits standing alone (not pino's `"time":` epoch): the shape of a card number.
const PAN_LIKE = /(?<!"time":)(?<!\d)\d{13,19}(?!\d)/g;

/**
 * Masks anything that looks like a card number (PCI DSS 3.4: first six and last four at most) in a
 * finished log line. A last line of defence: card data should never be logged in the first place,
 * but a client can put a card number in a URL or header, and that line must not carry it.
 */
export function maskPans(line: string): string {
  return line.replace(PAN_LIKE, (digits) =>
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
  return {
    method: req.method,
    url: typeof req.url === "string" ? redactUrl(req.url) : req.url,
    host: req.host ?? req.hostname,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { req: serializeRequest },
      hooks: { streamWrite: maskPans },
    },
    destination,
  );
}
