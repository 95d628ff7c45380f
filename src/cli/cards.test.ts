import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestTenant } from "../../test/fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../../test/fixtures/flows.ts";
import { httpApi } from "../../test/fixtures/http.ts";
import { type CliResult, type ServiceForCli, startServiceForCli } from "../../test/support/cli.ts";

/**
 * The card program's operator commands (cards, transactions, wallets transactions) against a
 * running service, run in this process: the same verbs as the API, with text and --json forms.
 */

let service: ServiceForCli;
let cli: (...args: string[]) => Promise<CliResult>;

beforeAll(async () => {
  service = await startServiceForCli("cardrail-cli-cards-");
  ({ cli } = service);
});

afterAll(() => service?.close());

async function ok(...args: string[]): Promise<CliResult> {
  const result = await cli(...args);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
  expect(result.stderr).toBe("");
  return result;
}

function expectFailure(result: CliResult, code: number, pattern: RegExp) {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
}

/** A tenant made and funded with the CLI, with an API client for what only a tenant does. */
async function fundedTenant(amount: string): Promise<TestTenant> {
  const created = (await ok("tenants", "create", "--name", "Card Ops", "--json")).json();
  await ok(
    "wallets",
    "fund",
    "--tenant",
    created.tenantId,
    "--currency",
    "USD",
    "--amount",
    amount,
  );
  const headers = { "x-api-key": created.apiKey, "x-access-key": created.accessKey };
  return { tenantId: created.tenantId, headers, api: httpApi(service.url, headers) };
}

/** `cards show --json` until `done` holds (bounded by count, not by time). */
async function showUntil(
  tenantId: string,
  cardId: string,
  done: (card: { status: string; pendingStatus: string | null }) => boolean,
) {
  let card = { status: "", pendingStatus: null as string | null };
  for (let i = 0; i < 300; i++) {
    card = (await ok("cards", "show", "--tenant", tenantId, "--card", cardId, "--json")).json()
      .card;
    if (done(card)) return card;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`card ${cardId} never got there: ${JSON.stringify(card)}`);
}

async function issueActiveCard(tenant: TestTenant, holderId: string): Promise<string> {
  const issued = await issueCard(tenant, { holderId, loadAmount: 20 }, randomUUID());
  expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  await showUntil(tenant.tenantId, issued.body.cardId, (c) => c.status === "active");
  return issued.body.cardId;
}

const usdBalance = async (tenantId: string) =>
  (await ok("wallets", "show", "--tenant", tenantId, "--json"))
    .json()
    .wallets.find(
      (w: { mode: string; currency: string }) => w.mode === "test" && w.currency === "USD",
    )?.balance;

describe("cards, transactions and the wallet's ledger from the CLI", () => {
  it("lists, shows, moves money (once per reference), freezes and exports transactions", async () => {
    const tenant = await fundedTenant("100.00");
    const { tenantId } = tenant;
    const holderId = await activeHolder(tenant);
    const first = await issueActiveCard(tenant, holderId);
    const second = await issueActiveCard(tenant, holderId);

    // cards list: newest first, a page at a time, its cursor walking to the next page.
    const all = (await ok("cards", "list", "--tenant", tenantId, "--json")).json();
    expect(all).toMatchObject({ tenantId, mode: "test", hasMore: false, nextCursor: null });
    expect(all.data.map((c: { cardId: string }) => c.cardId)).toEqual([second, first]);
    const page1 = (
      await ok("cards", "list", "--tenant", tenantId, "--limit", "1", "--json")
    ).json();
    expect(page1.data.map((c: { cardId: string }) => c.cardId)).toEqual([second]);
    expect(page1.hasMore).toBe(true);
    const page2 = (
      await ok("cards", "list", "--tenant", tenantId, "--limit", "1", "--cursor", page1.nextCursor)
    ).stdout;
    expect(page2).toMatch(new RegExp(`${first}\\s+active\\s+${holderId}\\s+USD 20\\.00`));
    expect(page2).not.toContain(second);
    const text = (await ok("cards", "list", "--tenant", tenantId, "--limit", "1")).stdout;
    expect(text).toContain(`More: add --cursor ${page1.nextCursor}`);
    const byHolder = await ok(
      "cards",
      "list",
      "--tenant",
      tenantId,
      "--holder",
      "ch_none",
      "--json",
    );
    expect(byHolder.json().data).toEqual([]);
    const frozenOnly = await ok("cards", "list", "--tenant", tenantId, "--status", "frozen");
    expect(frozenOnly.stdout).toMatch(/^No test-mode cards/);

    // cards show: the API's card, never its number.
    const shown = await ok("cards", "show", "--tenant", tenantId, "--card", first);
    expect(shown.stdout).toMatch(new RegExp(`card\\s+${first}`));
    expect(shown.stdout).toMatch(/status\s+active/);
    expect(shown.stdout).not.toMatch(/\d{12,19}/);
    const shownJson = (
      await ok("cards", "show", "--tenant", tenantId, "--card", first, "--json")
    ).json();
    expect(shownJson.card).toMatchObject({ cardId: first, status: "active", loadAmount: 20 });
    expect(JSON.stringify(shownJson)).not.toMatch(/cardNumber|card_number|cvv/i);

    // top-up with a reference, twice: the second is a replay and the wallet is debited once.
    expect(await usdBalance(tenantId)).toBe(60);
    const topUp = ["cards", "top-up", "--tenant", tenantId, "--card", first, "--amount", "5.00"];
    const once = (await ok(...topUp, "--reference", "ops-topup-1", "--json")).json();
    expect(once).toMatchObject({ reference: "ops-topup-1", replayed: false });
    expect(once.order).toMatchObject({ cardId: first, type: "top_up", amount: 5 });
    const again = await ok(...topUp, "--reference", "ops-topup-1");
    expect(again.stdout).toMatch(/^Already done before, nothing moved again: Top-up mo_/);
    expect(again.stdout).toContain(once.order.id);
    expect(await usdBalance(tenantId)).toBe(55);
    // Without a reference, one is made and printed so the operator can repeat safely.
    const fresh = await ok(...topUp);
    expect(fresh.stdout).toMatch(/USD 5\.00 onto/);
    expect(fresh.stdout).toMatch(/Reference: cli-[0-9a-f-]{36} \(repeat with --reference cli-/);
    expect(await usdBalance(tenantId)).toBe(50);

    // A purchase on the card, then every transaction into a CSV file.
    const purchase = await tenant.api(`/api/v1/test-helpers/cards/${first}/authorizations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        amount: 12.5,
        currency: "USD",
        merchant: { name: "=Corner, Cafe", mcc: "5812", country: "SG" },
      }),
    });
    expect(purchase.status, JSON.stringify(purchase.body)).toBe(201);
    const txns = (await ok("transactions", "list", "--tenant", tenantId, "--json")).json();
    expect(txns.data).toHaveLength(1);
    expect(txns.data[0]).toMatchObject({ id: purchase.body.id, cardId: first, amount: 12.5 });
    const txnText = (await ok("transactions", "list", "--tenant", tenantId, "--card", second))
      .stdout;
    expect(txnText).toMatch(/^No test-mode transactions/);
    const exported = await ok("transactions", "list", "--tenant", tenantId, "--csv", "txns.csv");
    expect(exported.stdout).toMatch(/^Wrote 1 test-mode transactions/);
    const csv = (await readFile(join(service.dataDir, "txns.csv"), "utf8")).split("\r\n");
    expect(csv[0]).toMatch(/^id,createdAt,occurredAt,postedAt,cardId,type,status,amount,currency,/);
    expect(csv[1]).toContain(`${purchase.body.id},`);
    expect(csv[1]).toContain(",12.50,USD,");
    expect(csv[1]).toContain(`"'=Corner, Cafe"`);
    expect(csv.slice(2)).toEqual([""]);

    // withdraw: money back to the wallet once the issuer confirms.
    const withdrawn = await ok(
      ...["cards", "withdraw", "--tenant", tenantId, "--card", first, "--amount", "2"],
      "--json",
    );
    expect(withdrawn.json().order).toMatchObject({ type: "withdrawal", amount: 2 });

    // The wallet's ledger: fund, two card debits, three top-ups (one replayed), the withdrawal.
    const ledger = (await ok("wallets", "transactions", "--tenant", tenantId, "--json")).json();
    const types = ledger.data.map((t: { type: string }) => t.type);
    expect(types.filter((t: string) => t === "top_up")).toHaveLength(2);
    expect(ledger.data.at(-1)).toMatchObject({ amount: 100, balanceAfter: 100 });
    const ledgerPage = await ok("wallets", "transactions", "--tenant", tenantId, "--limit", "2");
    expect(ledgerPage.stdout).toMatch(/BALANCE AFTER/);
    expect(ledgerPage.stdout).toMatch(/More: add --cursor /);

    // freeze, then show: frozen, or still active with the change pending.
    const freeze = await ok("cards", "freeze", "--tenant", tenantId, "--card", first, "--json");
    const asked = freeze.json().card;
    expect(asked.status === "frozen" || asked.pendingStatus === "frozen").toBe(true);
    await showUntil(tenantId, first, (c) => c.status === "frozen" && c.pendingStatus === null);
    const unfreeze = await ok("cards", "unfreeze", "--tenant", tenantId, "--card", first);
    expect(unfreeze.stdout).toMatch(new RegExp(`${first}|unfrozen|active`));
    const cancel = await ok("cards", "cancel", "--tenant", tenantId, "--card", second, "--json");
    expect(cancel.json().card.pendingStatus ?? cancel.json().card.status).toBe("cancelled");
  });

  it("refuses bad input with one line on stderr: usage errors exit 2, others 1", async () => {
    const tenant = await fundedTenant("50");
    const { tenantId } = tenant;
    const card = await issueActiveCard(tenant, await activeHolder(tenant));
    const before = await usdBalance(tenantId);

    expectFailure(await cli("cards", "show", "--tenant", tenantId), 2, /required option '--card/);
    expectFailure(
      await cli("cards", "top-up", "--tenant", tenantId, "--card", card),
      2,
      /required option '--amount/,
    );
    for (const amount of ["abc", "-5", "0", "1e3", "2000000"]) {
      expectFailure(
        await cli("cards", "top-up", "--tenant", tenantId, "--card", card, "--amount", amount),
        1,
        /--amount/,
      );
    }
    // Too many decimals for the card's currency: the verb's own check, named by the option.
    expectFailure(
      await cli("cards", "withdraw", "--tenant", tenantId, "--card", card, "--amount", "1.234"),
      1,
      /--amount: at most 2 decimal places for USD/,
    );
    expectFailure(
      await cli("cards", "freeze", "--tenant", tenantId, "--card", "card_nope"),
      1,
      /Card not found/i,
    );
    expectFailure(
      await cli("cards", "list", "--tenant", tenantId, "--limit", "500"),
      1,
      /--limit: must be at most 100/,
    );
    expectFailure(
      await cli("cards", "list", "--tenant", tenantId, "--status", "lost"),
      1,
      /--status/,
    );
    const ledgerCursor = (
      await ok("wallets", "transactions", "--tenant", tenantId, "--limit", "1", "--json")
    ).json().nextCursor;
    expectFailure(
      await cli("transactions", "list", "--tenant", tenantId, "--cursor", ledgerCursor),
      1,
      /--cursor: is not a cursor of this list/,
    );
    expectFailure(
      await cli("transactions", "list", "--tenant", tenantId, "--csv", "x.csv", "--limit", "5"),
      1,
      /--csv writes every matching transaction/,
    );
    expectFailure(
      await cli(
        "transactions",
        "list",
        "--tenant",
        tenantId,
        "--card",
        "card_nope",
        "--csv",
        "y.csv",
      ),
      1,
      /not found/i,
    );
    expectFailure(
      await cli("transactions", "list", "--tenant", tenantId, "--csv", "no/such/folder.csv"),
      1,
      /--csv: cannot write .*folder\.csv \(ENOENT\)/,
    );
    expectFailure(
      await cli("wallets", "transactions", "--tenant", tenantId, "--currency", "XXY"),
      1,
      /--currency/,
    );
    expect(await usdBalance(tenantId)).toBe(before);
  });
});
