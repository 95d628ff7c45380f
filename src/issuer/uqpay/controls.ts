import { minorToDecimalString } from "../../core/money.ts";
import type { CardControls, IssuerCapabilities, SpendingInterval, SpendingLimit } from "../port.ts";
import { MappingError } from "./mapping.ts";
import { toMinor } from "./read-values.ts";
import type { Card, RiskControls, UpdateCardBody } from "./types.ts";

/**
 * The port's CardControls ↔ UQPay's `spending_controls` and `risk_controls` (fact sheet §4; field
 * names in mapping.ts CARD_PROGRAM_FIELDS):
 *
 * | CardControls          | UQPay                                   |
 * |-----------------------|-----------------------------------------|
 * | spendingLimits        | spending_controls [{amount, interval}]  |
 * | allow3dsTransactions  | risk_controls.allow_3ds_transactions Y/N |
 * | enable3ds             | risk_controls.enable_3ds Y/N            |
 * | allowedMcc            | risk_controls.allowed_mcc               |
 * | blockedMcc            | risk_controls.blocked_mcc               |
 *
 * Only PER_TRANSACTION is a confirmed interval; the others the SDKs mention are refused rather than
 * sent to an issuer that may not enforce them.
 */
export const UQPAY_CAPABILITIES: IssuerCapabilities = {
  spendingIntervals: ["PER_TRANSACTION"],
  controls: ["spendingLimits", "allow3dsTransactions", "enable3ds", "allowedMcc", "blockedMcc"],
};

const INTERVALS: readonly string[] = UQPAY_CAPABILITIES.spendingIntervals;
const MCC = /^\d{4}$/;

const yesNo = (value: boolean): "Y" | "N" => (value ? "Y" : "N");
const flag = (value: unknown): boolean | undefined =>
  value === "Y" ? true : value === "N" ? false : undefined;

function mccList(value: unknown): string[] | null | undefined {
  if (value === null) return null;
  if (!Array.isArray(value)) return undefined;
  return value.map(String);
}

function checkMcc(field: "allowedMcc" | "blockedMcc", list: string[] | null | undefined): void {
  for (const mcc of list ?? [])
    if (!MCC.test(mcc))
      throw new MappingError(field, `${field}: ${JSON.stringify(mcc)} is not a 4-digit MCC`);
}

/** The controls as UQPay reports them on a card; intervals we do not offer are left out. */
export function controlsFromCard(card: Card): CardControls {
  const controls: CardControls = {};
  if (card.spending_controls) {
    const limits: SpendingLimit[] = [];
    for (const s of card.spending_controls) {
      const interval = s.interval.toUpperCase();
      if (!INTERVALS.includes(interval)) continue;
      limits.push({
        amountMinor: toMinor(s.amount, card.card_currency, "spending_controls.amount"),
        interval: interval as SpendingInterval,
      });
    }
    controls.spendingLimits = limits;
  }
  const risk = card.risk_controls ?? {};
  const allow3ds = flag(risk.allow_3ds_transactions);
  if (allow3ds !== undefined) controls.allow3dsTransactions = allow3ds;
  const enable3ds = flag(risk.enable_3ds);
  if (enable3ds !== undefined) controls.enable3ds = enable3ds;
  const allowed = mccList(risk.allowed_mcc);
  if (allowed !== undefined) controls.allowedMcc = allowed;
  const blocked = mccList(risk.blocked_mcc);
  if (blocked !== undefined) controls.blockedMcc = blocked;
  return controls;
}

/**
 * The update body for `controls` on a card in `currency` (limits are in the card's currency, so it
 * is needed only with them).
 * What UQPay cannot take is a MappingError naming our field, before anything is sent.
 */
export function toControlsUpdateBody(
  controls: CardControls,
  currency: string | undefined,
): UpdateCardBody {
  const body: UpdateCardBody = {};
  if (controls.spendingLimits !== undefined) {
    if (!currency) throw new Error("spending limits need the card's currency");
    body.spending_controls = controls.spendingLimits.map((limit) => {
      if (!INTERVALS.includes(limit.interval))
        throw new MappingError(
          "spendingLimits",
          `spendingLimits: interval ${limit.interval} is not supported (supported: ${INTERVALS.join(", ")})`,
        );
      if (limit.amountMinor < 0n)
        throw new MappingError("spendingLimits", "spendingLimits: amount must not be negative");
      return {
        amount: Number(minorToDecimalString(limit.amountMinor, currency)),
        interval: limit.interval,
      };
    });
  }
  const risk: RiskControls = {};
  if (controls.allow3dsTransactions !== undefined)
    risk.allow_3ds_transactions = yesNo(controls.allow3dsTransactions);
  if (controls.enable3ds !== undefined) risk.enable_3ds = yesNo(controls.enable3ds);
  if (controls.allowedMcc !== undefined) {
    checkMcc("allowedMcc", controls.allowedMcc);
    risk.allowed_mcc = controls.allowedMcc;
  }
  if (controls.blockedMcc !== undefined) {
    checkMcc("blockedMcc", controls.blockedMcc);
    risk.blocked_mcc = controls.blockedMcc;
  }
  if (Object.keys(risk).length > 0) body.risk_controls = risk;
  return body;
}
