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

/** Query parameters that are credentials (a reveal token): their values never reach the logs. */
const SECRET_QUERY = /([?&](?:token|access_key|accessKey)=)[^&#]*/gi;

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
    },
    destination,
  );
}
