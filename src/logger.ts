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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: "[redacted]" } }, destination);
}
