import type { Command } from "commander";
import { type CardAction, changeCardStatus } from "../modules/cards/lifecycle.ts";
import { listCards } from "../modules/cards/list.ts";
import { presentCard } from "../modules/cards/present.ts";
import { getCard } from "../modules/cards/reveal.ts";
import { CARD_ID, type CardListItem, cardListQuery } from "../modules/cards/schemas.ts";
import { type CardOptions, cardCommand } from "./card-command.ts";
import { cardMoneyCommands } from "./card-money.ts";
import type { CliSession } from "./context.ts";
import { emit, type JsonOption, lines, majorText, table, withJson } from "./io.ts";
import { requireTenant } from "./keys.ts";
import { listQuery, nextPageHint, pageView } from "./lists.ts";
import { operatorContext } from "./operator-context.ts";
import { type ModeOption, modeOf, requireNonEmpty } from "./options.ts";

/** The card's status, with the change the issuer has not confirmed yet: "active → frozen". */
export const statusText = (card: Pick<CardListItem, "status" | "pendingStatus">) =>
  card.pendingStatus ? `${card.status} → ${card.pendingStatus} (pending)` : card.status;

/** A card as text: what the API shows (the masked number at most, never a card number). */
function describeCard(card: CardListItem): string {
  const money = (amount: number | null) =>
    amount === null ? null : `${card.currency} ${majorText(amount, card.currency)}`;
  return lines([
    ["card", card.cardId],
    ["issuer card", card.uqpayCardId],
    ["holder", card.holderId],
    ["status", statusText(card)],
    ["product", card.cardProductId],
    ["masked number", card.maskedNumber],
    ["loaded", money(card.loadedBalance)],
    ["available", money(card.availableBalance)],
    ["created", new Date(card.createdAt).toISOString()],
  ]);
}

const ACTIONS: Record<CardAction, string> = {
  freeze: "freeze a card (every purchase declined until unfrozen)",
  unfreeze: "unfreeze a frozen card",
  cancel: "cancel a card for good; what is left on it returns to the wallet",
};

/**
 * `cards …`: the card verbs of the API (GET /cards, GET /cards/:id, POST /cards/:id/freeze…),
 * called with the operator as the actor, for the tenant and mode named on the command line.
 */
export function cardsCommands(program: Command, cli: CliSession): void {
  const cards = program.command("cards").description("inspect and operate a tenant's cards");

  withJson(
    cards
      .command("list")
      .description("a tenant's cards, newest first, a page at a time")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .option("--live", "live-mode cards (default: test mode)")
      .option("--status <status>", "creating, pending, active, frozen, cancelled or failed")
      .option("--holder <id>", "only this cardholder's cards")
      .option("--limit <n>", "cards per page, 1-100 (default 20)")
      .option("--cursor <cursor>", "the previous page's nextCursor"),
  ).action(
    (
      options: {
        tenant: string;
        status?: string;
        holder?: string;
        limit?: string;
        cursor?: string;
      } & ModeOption &
        JsonOption,
    ) => {
      const { query, page } = listQuery(
        cardListQuery,
        { status: "--status", holderId: "--holder", limit: "--limit", cursor: "--cursor" },
        {
          status: options.status,
          holderId: options.holder,
          limit: options.limit,
          cursor: options.cursor,
        },
        CARD_ID,
      );
      const mode = modeOf(options);
      return cli.withDatabase(async ({ config, db }) => {
        const tenantId = await requireTenant(db, options.tenant);
        const ctx = await operatorContext({ config, db }, { tenantId, mode }, { issuer: "none" });
        const list = pageView(
          await listCards(ctx, { status: query.status, holderId: query.holderId, page }),
          (card) => card.cardId,
        );
        emit(cli.io, options, { tenantId, mode, ...list }, () =>
          list.data.length === 0
            ? `No ${mode}-mode cards for ${tenantId}${options.cursor ? " after this cursor" : ""}.`
            : [
                table(
                  ["CARD", "STATUS", "HOLDER", "LOADED", "MASKED NUMBER", "CREATED"],
                  list.data.map((card) => [
                    card.cardId,
                    statusText(card),
                    card.holderId,
                    `${card.currency} ${majorText(card.loadedBalance, card.currency)}`,
                    card.maskedNumber,
                    new Date(card.createdAt).toISOString(),
                  ]),
                ),
                ...nextPageHint(list.nextCursor),
              ].join("\n"),
        );
      });
    },
  );

  cardCommand(cards, "show", "one card, as the API shows it (never its number)").action(
    (options: CardOptions) => {
      const cardId = requireNonEmpty(options.card, "--card");
      const mode = modeOf(options);
      return cli.withDatabase(async ({ config, db }) => {
        const tenantId = await requireTenant(db, options.tenant);
        // A card still being issued is refreshed from the issuer when one is reachable.
        const ctx = await operatorContext(
          { config, db },
          { tenantId, mode },
          { issuer: "optional" },
        );
        const { success: _, ...card } = presentCard(await getCard(ctx, { cardId }));
        emit(cli.io, options, { tenantId, mode, card }, () => describeCard(card));
      });
    },
  );

  for (const [action, description] of Object.entries(ACTIONS) as [CardAction, string][]) {
    cardCommand(cards, action, description).action((options: CardOptions) => {
      const cardId = requireNonEmpty(options.card, "--card");
      const mode = modeOf(options);
      return cli.withDatabase(async ({ config, db }) => {
        const tenantId = await requireTenant(db, options.tenant);
        const ctx = await operatorContext(
          { config, db },
          { tenantId, mode },
          { issuer: "required" },
        );
        const { success: _, ...card } = presentCard(
          await changeCardStatus(ctx, { cardId, action }),
        );
        emit(cli.io, options, { tenantId, mode, action, card }, () =>
          [
            card.pendingStatus
              ? `Asked the issuer to make ${card.cardId} ${card.pendingStatus}; it stays ${card.status} until the issuer confirms.`
              : `${card.cardId} is ${card.status}.`,
            describeCard(card),
          ].join("\n"),
        );
      });
    });
  }

  cardMoneyCommands(cards, cli);
}
