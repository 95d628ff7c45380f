import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { CardrailError } from "../core/errors.ts";
import { topUpCard } from "../modules/card-money/top-up.ts";
import { withdrawFromCard } from "../modules/card-money/withdraw.ts";
import { type CardOptions, cardCommand } from "./card-command.ts";
import type { CliSession } from "./context.ts";
import { CliError, emit, majorText } from "./io.ts";
import { requireTenant } from "./keys.ts";
import { operatorContext } from "./operator-context.ts";
import { modeOf, parseMajorAmount, parseReference, requireNonEmpty } from "./options.ts";

const MOVES = {
  "top-up": {
    verb: topUpCard,
    description: "load money from the tenant's wallet onto an active card",
    noun: "Top-up",
    direction: "onto",
  },
  withdraw: {
    verb: withdrawFromCard,
    description: "take money off a card back to the tenant's wallet",
    noun: "Withdrawal",
    direction: "off",
  },
} as const;

const STATUS_TEXT: Record<string, string> = {
  succeeded: "succeeded",
  failed: "failed",
  pending: "pending (the issuer has not confirmed yet; it finishes on its own)",
};

/**
 * `cards top-up|withdraw`: POST /cards/:id/top-ups and /withdrawals, the reference being their
 * Idempotency-Key. Without --reference a new one is made and printed, so the operator can repeat
 * the command safely after a timeout: the money moves once either way.
 */
export function cardMoneyCommands(cards: Command, cli: CliSession): void {
  for (const [name, move] of Object.entries(MOVES)) {
    cardCommand(cards, name, `${move.description} (test mode unless --live)`)
      .requiredOption(
        "--amount <decimal>",
        "amount in major units of the card's currency, e.g. 10.00",
      )
      .option(
        "--reference <ref>",
        "idempotency reference: repeating the command with it moves the money once (default: a new one, printed)",
      )
      .action((options: CardOptions & { amount: string; reference?: string }) => {
        // Input is checked before touching the database, so a typo costs nothing.
        const cardId = requireNonEmpty(options.card, "--card");
        const amount = parseMajorAmount(options.amount);
        const reference =
          options.reference === undefined
            ? `cli-${randomUUID()}`
            : parseReference(options.reference);
        const mode = modeOf(options);
        return cli.withDatabase(async ({ config, db }) => {
          const tenantId = await requireTenant(db, options.tenant);
          const ctx = await operatorContext(
            { config, db },
            { tenantId, mode },
            { issuer: "required" },
          );
          const { order, replayed } = await move
            .verb(ctx, { cardId, amount, idempotencyKey: reference })
            .catch((error: unknown) => {
              // The money may be on its way: the reference is what finishes it without moving it twice.
              if (error instanceof CardrailError && error.code === "upstream_unavailable") {
                throw new CliError(
                  `the card issuer did not answer; nothing is lost: repeat the command with --reference ${reference} (the money moves once), or let the recovery sweep finish it`,
                );
              }
              throw error;
            });
          const { success: _, ...view } = order;
          emit(cli.io, options, { tenantId, mode, reference, replayed, order: view }, () =>
            [
              `${replayed ? "Already done before, nothing moved again: " : ""}${move.noun} ${view.id}: ${view.currency} ${majorText(view.amount, view.currency)} ${move.direction} ${view.cardId}.`,
              `Status: ${STATUS_TEXT[view.status] ?? view.status}${view.failureReason ? ` (${view.failureReason})` : ""}.`,
              `Reference: ${reference} (repeat with --reference ${reference} to retry safely).`,
            ].join("\n"),
          );
        });
      });
  }
}
