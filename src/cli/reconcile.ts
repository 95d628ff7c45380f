import type { Command } from "commander";
import { createIssuers } from "../issuer/issuers.ts";
import { createLogger } from "../logger.ts";
import { reconcile } from "../modules/reconcile/reconcile.ts";
import { witnessFilePath } from "../modules/reconcile/witness-file.ts";
import type { CliSession } from "./context.ts";
import { emit, type JsonOption, table, withJson } from "./io.ts";
import { cliTestUpstream } from "./test-upstream.ts";

/** Exit code when reconciliation ran and found problems (distinct from 1, "the command failed"). */
export const PROBLEMS_FOUND_EXIT = 3;

export function reconcileCommand(program: Command, cli: CliSession): void {
  withJson(
    program
      .command("reconcile")
      .description(
        "check every ledger invariant, the ledger against its signed journal, and each issued card against the issuer; reports problems, never moves money (exit 3 when it finds any)",
      )
      .option(
        "--stuck-after <seconds>",
        "report cards still creating/pending after this long",
        "600",
      ),
  ).action((options: { stuckAfter: string } & JsonOption) =>
    cli.withDatabase(async ({ config, db }) => {
      // Test-mode cards live in the simulator of the running service (or an external one).
      const test = await cliTestUpstream(config, db);
      const log = createLogger("silent");
      const progress = !options.json && cli.io.stderrIsTTY;
      const report = await reconcile({
        db,
        issuerFor: createIssuers(config, log, db, test),
        log,
        stuckAfterMs: Math.max(0, Number(options.stuckAfter) || 0) * 1000,
        witnessFile: witnessFilePath(config.CARDRAIL_DATA_DIR),
        onProgress: progress
          ? (done, total) => {
              const width = 30;
              const filled = total === 0 ? width : Math.round((done / total) * width);
              cli.io.stderr(
                `\r  cards [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`,
              );
              if (done === total) cli.io.stderr("\n");
            }
          : undefined,
      });
      emit(cli.io, options, report, () => {
        const out = [
          !report.ok
            ? "Reconciliation found problems."
            : report.cardsSkipped > 0
              ? `Reconciliation found no problems, but ${report.cardsSkipped} card(s) could not be compared with the issuer (see below).`
              : "Reconciliation clean.",
          `  ledger invariants violated: ${report.ledger.length}`,
          `  journal entries verified: ${report.journalEntries}; problems: ${report.journal.length} (witness: ${report.witness.chains} chains since ${report.witness.since ?? "now"})`,
          `  cards compared with the issuer: ${report.cardsChecked} (skipped: ${report.cardsSkipped}${test ? "" : "; test-mode simulator not reachable: start the service or set SIMULATOR_URL"})`,
          `  card problems: ${report.cards.length}`,
        ];
        if (report.ledger.length > 0) {
          out.push(
            "",
            table(
              ["INVARIANT", "SUBJECT", "DETAIL"],
              report.ledger.map((v) => [v.invariant, v.subject, v.detail]),
            ),
          );
        }
        if (report.journal.length > 0) {
          out.push(
            "",
            table(
              ["JOURNAL", "SUBJECT", "DETAIL"],
              report.journal.map((p) => [p.problem, p.subject, p.detail]),
            ),
          );
        }
        if (report.cards.length > 0) {
          out.push(
            "",
            table(
              ["CARD", "TENANT", "MODE", "PROBLEM"],
              report.cards.map((c) => [c.cardId, c.tenantId, c.mode, c.problem]),
            ),
          );
        }
        return out.join("\n");
      });
      if (!report.ok) cli.io.exitCode = PROBLEMS_FOUND_EXIT;
    }),
  );
}
