import type { Command } from "commander";
import { type JsonOption, withJson } from "./io.ts";
import type { ModeOption } from "./options.ts";

export type CardOptions = { tenant: string; card: string } & ModeOption & JsonOption;

/** Every command about one card names it the same way. */
export const cardCommand = (group: Command, name: string, description: string) =>
  withJson(
    group
      .command(name)
      .description(description)
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .requiredOption("--card <id>", "the card id (card_…) or the issuer's card id")
      .option("--live", "a live-mode card (default: test mode)"),
  );
