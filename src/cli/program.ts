import { Command } from "commander";
import { auditCommands } from "./audit.ts";
import { cardholdersCommands } from "./cardholders.ts";
import { doctorCommand } from "./doctor.ts";
import { keysCommands } from "./keys.ts";
import { productsCommands } from "./products.ts";
import { reconcileCommand } from "./reconcile.ts";
import { tenantsCommands } from "./tenants.ts";
import { walletsCommands } from "./wallets.ts";

/** The whole command tree, without running anything (main.ts parses and maps errors to exit codes). */
export function buildProgram(): Command {
  const program = new Command("cardrail")
    .description(
      "Cardrail operator CLI. Configured from the same environment and .env as the service: with DATABASE_URL it uses that server; otherwise the embedded database in CARDRAIL_DATA_DIR (through the running service when it is up).",
    )
    // Usage errors become exceptions so main.ts can give them exit code 2 and close cleanly.
    .exitOverride()
    .showSuggestionAfterError()
    .helpCommand(false);
  tenantsCommands(program);
  keysCommands(program);
  walletsCommands(program);
  productsCommands(program);
  cardholdersCommands(program);
  reconcileCommand(program);
  auditCommands(program);
  doctorCommand(program);
  return program;
}
