import { Command } from "commander";
import { auditCommands } from "./audit.ts";
import { cardholdersCommands } from "./cardholders.ts";
import { cardsCommands } from "./cards.ts";
import type { CliSession } from "./context.ts";
import { doctorCommand } from "./doctor.ts";
import { keysCommands } from "./keys.ts";
import { productsCommands } from "./products.ts";
import { reconcileCommand } from "./reconcile.ts";
import { tenantsCommands } from "./tenants.ts";
import { transactionsCommands } from "./transactions.ts";
import { walletsCommands } from "./wallets.ts";

/** The whole command tree, without running anything (run.ts parses and maps errors to exit codes). */
export function buildProgram(cli: CliSession): Command {
  const program = new Command("cardrail")
    .description(
      "Cardrail operator CLI. Configured from the same environment and .env as the service: with DATABASE_URL it uses that server; otherwise the embedded database in CARDRAIL_DATA_DIR (through the running service when it is up).",
    )
    // Help and usage messages go to the session's output (a CLI's terminal, even when the
    // service runs the command); set before the subcommands, which copy it when created.
    .configureOutput({
      writeOut: (text) => cli.io.stdout(text),
      writeErr: (text) => cli.io.stderr(text),
    })
    // Usage errors become exceptions so run.ts can give them exit code 2 and close cleanly.
    .exitOverride()
    .showSuggestionAfterError()
    .helpCommand(false);
  tenantsCommands(program, cli);
  keysCommands(program, cli);
  walletsCommands(program, cli);
  productsCommands(program, cli);
  cardholdersCommands(program, cli);
  cardsCommands(program, cli);
  transactionsCommands(program, cli);
  reconcileCommand(program, cli);
  auditCommands(program, cli);
  doctorCommand(program, cli);
  return program;
}
