import type { Command } from "commander";
import { minorToDecimalString, minorToNumber } from "../core/money.ts";
import type { Db } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import { fundWallet } from "../modules/wallet/funding.ts";

import { transactionByReference, walletBalances } from "../modules/wallet/ledger.ts";
import { LEDGER_TRANSACTION_ID, walletTransactionsQuery } from "../modules/wallet/schemas.ts";
import { listWalletTransactions } from "../modules/wallet/transactions.ts";

import type { CliSession } from "./context.ts";
import { CliError, emit, type JsonOption, majorText, table, withJson } from "./io.ts";
import { requireTenant } from "./keys.ts";
import { listQuery, nextPageHint, pageView } from "./lists.ts";
import { type ModeOption, modeOf, parseAmount, parseCurrency, requireNonEmpty } from "./options.ts";

/**
 * Operator references live in the ledger's "funding:" namespace (as the demo seed's do), so one can
 * never collide with a card debit's reference and be mistaken for "already applied".
 */
const ledgerReference = (reference: string) =>
  reference.startsWith("funding:") ? reference : `funding:${reference}`;

/**
 * A replayed reference is harmless only if it names the same funding. Reusing one for a different
 * tenant, wallet or amount is an operator mistake worth an error rather than a silent "already applied".
 * (A read-only lookup; funding.ts returns only `posted: false` for replays.)
 */
async function assertSameFunding(
  db: Db,
  reference: string,
  expected: { tenantId: string; mode: Mode; currency: string; amountMinor: bigint },
): Promise<void> {
  const row = await transactionByReference(db, reference);
  if (!row) return;
  const same =
    row.kind === "funding" &&
    row.tenant_id === expected.tenantId &&
    row.mode === expected.mode &&
    row.currency === expected.currency &&
    row.amount === expected.amountMinor;
  if (!same) {
    throw new CliError(
      `--reference: already used for a different funding (${row.tenant_id}, ${row.mode} ${row.currency} ${minorToDecimalString(row.amount, row.currency)}); nothing was funded`,
    );
  }
}

export function walletsCommands(program: Command, cli: CliSession): void {
  const wallets = program
    .command("wallets")
    .description("fund and inspect tenants' prepaid wallets");

  withJson(
    wallets
      .command("fund")
      .description("add prepaid money to a tenant's wallet (test mode unless --live)")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .requiredOption("--currency <code>", "ISO 4217 currency, e.g. USD")
      .requiredOption("--amount <decimal>", "amount in major units, e.g. 100.00")
      .option("--live", "fund the live-mode wallet")
      .option(
        "--reference <ref>",
        "idempotency reference: repeating the command with it funds only once",
      )
      .option("--memo <text>", "a note kept on the ledger transaction"),
  ).action(
    (
      options: {
        tenant: string;
        currency: string;
        amount: string;
        reference?: string;
        memo?: string;
      } & ModeOption &
        JsonOption,
    ) => {
      // Input is checked before touching the database, so a typo costs nothing.
      const currency = parseCurrency(options.currency);
      const amountMinor = parseAmount(options.amount, currency);
      const reference =
        options.reference === undefined
          ? undefined
          : ledgerReference(requireNonEmpty(options.reference, "--reference"));
      const mode = modeOf(options);
      return cli.withDatabase(async ({ db }) => {
        const tenantId = await requireTenant(db, options.tenant);
        const result = await fundWallet(db, {
          tenantId,
          mode,
          currency,
          amountMinor,
          reference,
          memo: options.memo,
        });
        if (!result.posted)
          await assertSameFunding(db, result.reference, { tenantId, mode, currency, amountMinor });
        const balance =
          (await walletBalances(db, tenantId, mode)).find((b) => b.currency === currency)
            ?.balance ?? 0n;
        const amount = minorToDecimalString(amountMinor, currency);
        const balanceText = minorToDecimalString(balance, currency);
        emit(
          cli.io,
          options,
          {
            tenantId,
            mode,
            currency,
            // Numbers in major units, as the API answers them (the text below keeps "100.00").
            amount: minorToNumber(amountMinor, currency),
            reference: result.reference,
            applied: result.posted,
            alreadyApplied: !result.posted,
            balance: minorToNumber(balance, currency),
          },
          () =>
            result.posted
              ? `Funded ${tenantId} ${mode} wallet with ${currency} ${amount} (reference ${result.reference}). Balance: ${currency} ${balanceText}.`
              : `Already applied: reference ${result.reference} funded ${tenantId} before; nothing changed. Balance: ${currency} ${balanceText}.`,
        );
      });
    },
  );

  withJson(
    wallets
      .command("show")
      .description("show a tenant's wallet balances per mode and currency")
      .requiredOption("--tenant <id>", "the tenant id (ten_…)"),
  ).action((options: { tenant: string } & JsonOption) =>
    cli.withDatabase(async ({ db }) => {
      const tenantId = await requireTenant(db, options.tenant);
      const balances = await walletBalances(db, tenantId);
      const view = balances.map((b) => ({
        mode: b.mode,
        currency: b.currency,
        balance: minorToNumber(b.balance, b.currency),
      }));
      emit(cli.io, options, { tenantId, wallets: view }, () =>
        view.length === 0
          ? `Tenant ${tenantId} has no wallets yet. Fund one with: npm run cli -- wallets fund --tenant ${tenantId} --currency USD --amount 100.00`
          : [
              `Wallets of ${tenantId}:`,
              table(
                ["MODE", "CURRENCY", "BALANCE"],
                balances.map((b) => [
                  b.mode,
                  b.currency,
                  minorToDecimalString(b.balance, b.currency),
                ]),
              ),
            ].join("\n"),
      );
    }),
  );

  withJson(
    wallets
      .command("transactions")
      .description(
        "the wallet's ledger, newest first, with the balance after each (a page at a time)",
      )
      .requiredOption("--tenant <id>", "the tenant id (ten_…)")
      .option("--live", "the live-mode wallet (default: test mode)")
      .option("--currency <code>", "only this currency's wallet")
      .option("--limit <n>", "transactions per page, 1-100 (default 20)")
      .option("--cursor <cursor>", "the previous page's nextCursor"),
  ).action(
    (
      options: { tenant: string; currency?: string; limit?: string; cursor?: string } & ModeOption &
        JsonOption,
    ) => {
      const { query, page } = listQuery(
        walletTransactionsQuery,
        { currency: "--currency", limit: "--limit", cursor: "--cursor" },
        { currency: options.currency, limit: options.limit, cursor: options.cursor },
        LEDGER_TRANSACTION_ID,
      );
      const mode = modeOf(options);
      return cli.withDatabase(async ({ db }) => {
        const tenantId = await requireTenant(db, options.tenant);
        const list = pageView(
          await listWalletTransactions({ db, tenantId, mode }, { currency: query.currency }, page),
          (t) => t.id,
        );
        emit(cli.io, options, { tenantId, mode, ...list }, () =>
          list.data.length === 0
            ? `No ${mode}-mode wallet transactions for ${tenantId}${options.cursor ? " after this cursor" : ""}.`
            : [
                table(
                  ["ID", "TYPE", "AMOUNT", "BALANCE AFTER", "CARD", "REFERENCE", "CREATED"],
                  list.data.map((t) => [
                    t.id,
                    t.type,
                    `${t.currency} ${majorText(t.amount, t.currency)}`,
                    majorText(t.balanceAfter, t.currency),
                    t.cardId,
                    t.reference,
                    new Date(t.createdAt).toISOString(),
                  ]),
                ),
                ...nextPageHint(list.nextCursor),
              ].join("\n"),
        );
      });
    },
  );
}
