import { randomUUID } from "node:crypto";
import { minorToDecimalString } from "../../core/money.ts";
import type { IssuerSimulation } from "../port.ts";
import type { UqpayAccountClient } from "./client.ts";
import { MappingError } from "./mapping.ts";
import { toIssuerTransaction } from "./transactions.ts";
import { guard } from "./translate-error.ts";

/**
 * Simulated card use (fact sheet §7), for test helpers. Two kinds of upstream can do it:
 * - `sandbox`: UQPay's public sandbox. Authorizations (MCC 5734 only, BIN 40963608 cards) and
 *   reversals; nothing else.
 * - `builtin`: our simulator (src/simulator/). The same two calls, plus the merchant's city and
 *   country (an extension UQPay's sandbox does not take), and, when its admin API is reachable,
 *   settlements and refunds (`admin`, which answers the new transaction's id).
 * Every call makes a new transaction: the idempotency key is fresh per call (retries inside one
 * call reuse it).
 */
export interface SimulatorAdmin {
  settle(issuerTransactionId: string): Promise<string>;
  refund(issuerTransactionId: string): Promise<string>;
}

export type SimulationSupport = { kind: "sandbox" } | { kind: "builtin"; admin?: SimulatorAdmin };

/** UQPay's public sandbox hosts: only there does a live issuer offer simulation. */
const SANDBOX_HOSTS = new Set(["api-sandbox.uqpaytech.com"]);

export function isUqpaySandbox(baseUrl: string): boolean {
  try {
    return SANDBOX_HOSTS.has(new URL(baseUrl).hostname);
  } catch {
    return false;
  }
}

export function uqpaySimulation(
  client: UqpayAccountClient,
  support: SimulationSupport,
): IssuerSimulation {
  const once = () => ({ idempotencyKey: randomUUID() });
  const builtin = support.kind === "builtin" ? support : null;
  const readBack = async (id: string) =>
    toIssuerTransaction(await client.transactions.retrieve(id));
  const simulation: IssuerSimulation = {
    authorize: (input) =>
      guard(async () => {
        let amount: string;
        try {
          amount = minorToDecimalString(input.amountMinor, input.currency);
        } catch {
          throw new MappingError("currency", `unsupported currency ${input.currency}`);
        }
        if (input.amountMinor <= 0n) throw new MappingError("amount", "amount must be positive");
        const { merchant } = input;
        const tx = await client.simulation.authorization(
          {
            card_id: input.issuerCardId,
            transaction_amount: Number(amount),
            transaction_currency: input.currency,
            merchant_name: merchant.name,
            merchant_category_code: merchant.mcc,
            ...(builtin && merchant.city ? { merchant_city: merchant.city } : {}),
            ...(builtin && merchant.country ? { merchant_country: merchant.country } : {}),
          },
          once(),
        );
        return toIssuerTransaction(tx);
      }),
    // The simulation answer has no original_transaction_id (fact sheet §7): it is the one reversed.
    reverse: (id) =>
      guard(async () => {
        const tx = toIssuerTransaction(
          await client.simulation.reversal({ transaction_id: id }, once()),
        );
        return { ...tx, originalTransactionId: tx.originalTransactionId ?? id };
      }),
  };
  const admin = builtin?.admin;
  if (admin) {
    simulation.settle = (id) => guard(async () => readBack(await admin.settle(id)));
    simulation.refund = (id) => guard(async () => readBack(await admin.refund(id)));
  }
  return simulation;
}
