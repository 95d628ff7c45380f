import { resolve } from "node:path";
import type { Command } from "commander";
import type { TenantContext } from "../core/context.ts";
import type { PageRequest } from "../core/page.ts";
import type { CardTransactionStatus } from "../db/schema.ts";
import { listTransactions } from "../modules/transactions/list.ts";
import type { TransactionView } from "../modules/transactions/present.ts";
import { TRANSACTION_ID, transactionListQuery } from "../modules/transactions/schemas.ts";
import type { CliSession } from "./context.ts";
import { writeCsvFile } from "./csv.ts";
import { CliError, emit, type JsonOption, majorText, table, withJson } from "./io.ts";
import { requireTenant } from "./keys.ts";
import { listQuery, nextPageHint, pageView } from "./lists.ts";
import { operatorContext } from "./operator-context.ts";
import { type ModeOption, modeOf } from "./options.ts";

const CSV_HEADER = [
  "id",
  "createdAt",
  "occurredAt",
  "postedAt",
  "cardId",
  "type",
  "status",
  "amount",
  "currency",
  "billingAmount",
  "billingCurrency",
  "merchantName",
  "merchantMcc",
  "merchantCity",
  "merchantCountry",
  "declineReason",
  "issuerTransactionId",
  "originalTransactionId",
];

/** One CSV row: the API's fields, amounts in major units with the currency's digits ("12.50"). */
const csvCells = (t: TransactionView) => [
  t.id,
  iso(t.createdAt),
  iso(t.occurredAt),
  t.postedAt === null ? null : iso(t.postedAt),
  t.cardId,
  t.type,
  t.status,
  majorText(t.amount, t.currency),
  t.currency,
  majorText(t.billingAmount, t.billingCurrency),
  t.billingCurrency,
  t.merchant?.name,
  t.merchant?.mcc,
  t.merchant?.city,
  t.merchant?.country,
  t.declineReason,
  t.issuerTransactionId,
  t.originalTransactionId,
];

const iso = (time: string | Date) => new Date(time).toISOString();

/** Every page of the list from `first` on, walked by its cursor (each row exactly once). */
async function* everyTransaction(
  ctx: TenantContext,
  filter: { cardId?: string; status?: CardTransactionStatus },
  first: PageRequest,
): AsyncGenerator<TransactionView> {
  let page: PageRequest = { ...first, limit: 100 };
  for (;;) {
    const { items, hasMore } = await listTransactions(ctx, { ...filter, page });
    yield* items;
    const last = items.at(-1);
    if (!hasMore || !last) return;
    page = { ...page, before: last.id };
  }
}

type ListOptions = {
  tenant: string;
  card?: string;
  status?: string;
  limit?: string;
  cursor?: string;
  csv?: string;
} & ModeOption &
  JsonOption;

/** `transactions list`: GET /transactions, a page on screen or every page into a CSV file. */
export function transactionsCommands(program: Command, cli: CliSession): void {
  const transactions = program
    .command("transactions")
    .description("a tenant's card transactions (purchases, refunds, fees…)");

  withJson(
    transactions
      .command("list")
      .description("card transactions, newest first, a page at a time or all of them with --csv")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .option("--live", "live-mode transactions (default: test mode)")
      .option("--card <id>", "only this card's transactions")
      .option("--status <status>", "pending, approved, declined, reversed or settled")
      .option("--limit <n>", "transactions per page, 1-100 (default 20)")
      .option("--cursor <cursor>", "the previous page's nextCursor")
      .option(
        "--csv <file>",
        "write every matching transaction (all pages) to this CSV file instead of printing a page",
      ),
  ).action((options: ListOptions) => {
    if (options.csv !== undefined && (options.limit || options.cursor))
      throw new CliError(
        "--csv writes every matching transaction: it takes no --limit or --cursor",
      );
    const { query, page } = listQuery(
      transactionListQuery,
      { cardId: "--card", status: "--status", limit: "--limit", cursor: "--cursor" },
      {
        cardId: options.card,
        status: options.status,
        limit: options.limit,
        cursor: options.cursor,
      },
      TRANSACTION_ID,
    );
    const filter = { cardId: query.cardId, status: query.status };
    const mode = modeOf(options);
    return cli.withDatabase(async ({ config, db }) => {
      const tenantId = await requireTenant(db, options.tenant);
      const ctx = await operatorContext({ config, db }, { tenantId, mode }, { issuer: "none" });
      if (options.csv !== undefined) {
        // The operator's cwd, which is not this process's when the service runs the command for a CLI.
        const file = resolve(cli.io.cwd, options.csv);
        // An unknown card is refused before any file is made (the list's 404).
        await listTransactions(ctx, { ...filter, page: { limit: 1 } });
        const written = await writeCsvFile(
          file,
          CSV_HEADER,
          (async function* () {
            for await (const t of everyTransaction(ctx, filter, page)) yield csvCells(t);
          })(),
        ).catch((error: NodeJS.ErrnoException) => {
          if (typeof error.syscall !== "string") throw error; // the file's, not the list's

          throw new CliError(`--csv: cannot write ${file} (${error.code})`);
        });
        emit(
          cli.io,
          options,
          { tenantId, mode, file, transactions: written },
          () => `Wrote ${written} ${mode}-mode transactions of ${tenantId} to ${file}.`,
        );
        return;
      }
      const list = pageView(await listTransactions(ctx, { ...filter, page }), (t) => t.id);
      emit(cli.io, options, { tenantId, mode, ...list }, () =>
        list.data.length === 0
          ? `No ${mode}-mode transactions for ${tenantId}${options.cursor ? " after this cursor" : ""}.`
          : [
              table(
                ["ID", "CARD", "TYPE", "STATUS", "AMOUNT", "MERCHANT", "OCCURRED"],
                list.data.map((t) => [
                  t.id,
                  t.cardId,
                  t.type,
                  t.status,
                  `${t.currency} ${majorText(t.amount, t.currency)}`,
                  t.merchant?.name,
                  iso(t.occurredAt),
                ]),
              ),
              ...nextPageHint(list.nextCursor),
            ].join("\n"),
      );
    });
  });
}
