import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { Mode } from "../db/schema.ts";
import type { CardIssuer } from "./port.ts";
import { createUqpayIssuer } from "./uqpay/adapter.ts";
import { createUqpayClient } from "./uqpay/client.ts";

export type IssuerFor = (mode: Mode) => CardIssuer | null;

/**
 * The issuer per mode: test → the UQPay simulator at `simulatorUrl`; live → the configured UQPay
 * account, or null when no credentials are configured (live requests then get 503).
 */
export function createIssuers(
  config: Config,
  logger: Logger,
  simulatorUrl: string | null,
): IssuerFor {
  const log = logger.child({ component: "uqpay" });
  const testIssuer = simulatorUrl
    ? createUqpayIssuer(
        createUqpayClient({
          baseUrl: simulatorUrl,
          clientId: config.SIMULATOR_CLIENT_ID,
          apiKey: config.SIMULATOR_API_KEY,
          timeoutMs: config.UQPAY_TIMEOUT_MS,
          logger: log,
        }),
      )
    : null;
  const liveIssuer =
    config.UQPAY_CLIENT_ID && config.UQPAY_API_KEY
      ? createUqpayIssuer(
          createUqpayClient({
            baseUrl: config.UQPAY_BASE_URL,
            clientId: config.UQPAY_CLIENT_ID,
            apiKey: config.UQPAY_API_KEY,
            timeoutMs: config.UQPAY_TIMEOUT_MS,
            logger: log,
          }),
        )
      : null;
  return (mode) => (mode === "test" ? testIssuer : liveIssuer);
}
