import { randomUUID } from "node:crypto";
import { requireIssuer, type TenantContext } from "../../core/context.ts";
import { CardrailError, type FieldIssue, validationError } from "../../core/errors.ts";
import { decimalToMinor } from "../../core/money.ts";
import type { StoredControls } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import { type CardControls, isIssuerRefusal, type SpendingInterval } from "../../issuer/port.ts";
import { emitEvent } from "../webhooks/index.ts";
import { presentCard } from "./present.ts";
import { setCardControls } from "./repo-program.ts";
import { getCard } from "./reveal.ts";
import type { CardRow } from "./row.ts";

export interface ControlsInput {
  cardId: string;
  /** Replaces the card's list; amounts in major units of the card's currency. */
  spendingLimits?: { amount: number; interval: string }[];
  controls?: Omit<CardControls, "spendingLimits">;
}

/**
 * Changes a card's spend controls at the issuer, then shows them on the card. What the issuer
 * cannot enforce (an interval or a control outside its capabilities) is a 400 naming the field,
 * never dropped: a tenant who asked for a daily limit must not believe it has one. A live card
 * only (active or frozen).
 */
export async function updateCardControls(
  ctx: TenantContext,
  input: ControlsInput,
): Promise<CardRow> {
  const card = await getCard(ctx, { cardId: input.cardId });
  const issuer = requireIssuer(ctx);
  if ((card.status !== "active" && card.status !== "frozen") || !card.issuer_card_id) {
    throw new CardrailError(
      "invalid_card_state",
      `A ${card.status} card's controls cannot change`,
      {
        cardId: card.id,
        status: card.status,
      },
    );
  }
  const requested = toIssuerControls(card, input, issuer.capabilities);
  try {
    await issuer.updateCardControls(card.issuer_card_id, requested, {
      idempotencyKey: randomUUID(),
    });
  } catch (error) {
    if (isIssuerRefusal(error) && error.detail.fields?.length) {
      throw validationError(
        error.detail.fields.map((field) => ({
          field,
          message: `refused by the card issuer: ${error.message}`,
        })),
      );
    }
    throw error;
  }
  return inTransaction(ctx.db, async (tx) => {
    const updated = await setCardControls(tx, card.id, merge(card.controls, requested), ctx.now());
    await emitEvent(tx, {
      tenantId: card.tenant_id,
      mode: card.mode,
      type: "card.controls_updated",
      data: presentCard(updated),
    });
    return updated;
  });
}

function toIssuerControls(
  card: CardRow,
  input: ControlsInput,
  capabilities: { spendingIntervals: readonly SpendingInterval[]; controls: readonly string[] },
): CardControls {
  const issues: FieldIssue[] = [];
  const out: CardControls = {};
  if (input.spendingLimits) {
    if (!capabilities.controls.includes("spendingLimits")) {
      issues.push({
        field: "spendingLimits",
        message: "the card issuer does not enforce spending limits",
      });
    }
    out.spendingLimits = input.spendingLimits.map((limit, i) => {
      const interval = limit.interval.toUpperCase() as SpendingInterval;
      if (!capabilities.spendingIntervals.includes(interval)) {
        issues.push({
          field: `spendingLimits.${i}.interval`,
          message: `the card issuer enforces only ${capabilities.spendingIntervals.map((x) => x.toLowerCase()).join(", ")}`,
        });
      }
      const amountMinor = decimalToMinor(limit.amount, card.currency);
      if (amountMinor === null) {
        issues.push({
          field: `spendingLimits.${i}.amount`,
          message: `too many decimal places for ${card.currency}`,
        });
      }
      return { amountMinor: amountMinor ?? 0n, interval };
    });
  }
  for (const [key, value] of Object.entries(input.controls ?? {})) {
    if (value === undefined) continue;
    if (!capabilities.controls.includes(key)) {
      issues.push({
        field: `controls.${key}`,
        message: "the card issuer does not offer this control",
      });
    }
    (out as Record<string, unknown>)[key] = value;
  }
  const allowed = out.allowedMcc !== undefined ? out.allowedMcc : card.controls?.allowedMcc;
  const blocked = out.blockedMcc !== undefined ? out.blockedMcc : card.controls?.blockedMcc;
  if (allowed?.length && blocked?.length) {
    issues.push({
      field: out.blockedMcc !== undefined ? "controls.blockedMcc" : "controls.allowedMcc",
      message: "allowedMcc and blockedMcc exclude each other: send the other as null",
    });
  }
  if (issues.length > 0) throw validationError(issues);
  return out;
}

/** The card's stored controls after an accepted update: sent fields replace, absent ones stay. */
function merge(stored: StoredControls | null, update: CardControls): StoredControls {
  const { spendingLimits, ...rest } = update;
  return {
    ...(stored ?? {}),
    ...rest,
    ...(spendingLimits
      ? {
          spendingLimits: spendingLimits.map((l) => ({
            amount: l.amountMinor.toString(),
            interval: l.interval,
          })),
        }
      : {}),
  };
}
