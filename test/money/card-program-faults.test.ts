import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { reconcile } from "../../src/modules/reconcile/reconcile.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { simAdminOf } from "../fixtures/simulator-admin.ts";
import { expectLedgerBalanced } from "./helpers.ts";

/**
 * Money on and off cards when the issuer's answers are lost and requests race a cancellation:
 * the wallet ends with exactly what was funded less what was spent, the ledger balances, and
 * reconcile finds nothing on the cards.
 */

let cardrail: TestCardrail;
beforeAll(async () => {
  cardrail = await startCardrail({ SIMULATOR_PRE_CANCEL_DELAY_MS: "200", RECOVERY_AFTER_MS: "0" });
});
afterAll(async () => {
  await cardrail?.close();
});

const post = (body: unknown, key?: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
  body: JSON.stringify(body),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wallet = async (t: TestTenant) =>
  ((await t.api("/api/v1/wallet")).body.balances as { balance: number }[])[0]?.balance ?? 0;

async function activeCard(tenant: TestTenant, loadAmount: number): Promise<string> {
  const res = await issueCard(
    tenant,
    { holderId: await activeHolder(tenant), loadAmount },
    randomUUID(),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  for (let i = 0; i < 200; i++) {
    if ((await tenant.api(`/api/v1/cards/${res.body.cardId}`)).body.status === "active") break;
    await sleep(25);
  }
  return res.body.cardId;
}

/** Runs the card program's sweep until the card's balance is back (bounded), as the timer would. */
async function untilReturned(tenant: TestTenant, expected: number) {
  for (let i = 0; i < 100 && (await wallet(tenant)) !== expected; i++) {
    await cardrail.runtime.recoverCardProgramOnce();
    await sleep(50);
  }
  // Once more: nothing moves twice.
  await cardrail.runtime.recoverCardProgramOnce();
}

async function cardProblems(cardId: string) {
  const report = await reconcile({
    db: cardrail.runtime.database.db,
    issuerFor: cardrail.runtime.issuerFor,
    log: { info() {}, warn() {}, error() {}, debug() {} },
    stuckAfterMs: 3_600_000,
    witnessFile: null,
  });
  return report.cards.filter((c) => c.cardId === cardId);
}

it("a top-up whose answer was lost, then a cancel: the whole card comes back, once", async () => {
  const tenant = await cardrail.tenant({ fund: 50 });
  const cardId = await activeCard(tenant, 20);
  const sim = await simAdminOf(cardrail.runtime);
  // The issuer loads the card, but its answer never reaches us: the top-up's outcome is unknown.
  await sim("/__sim/faults", "POST", {
    route: "POST /api/v1/issuing/cards/:id/recharge",
    kind: "reset",
    count: 10,
  });
  const topUp = await tenant.api(
    `/api/v1/cards/${cardId}/top-ups`,
    post({ amount: 10 }, randomUUID()),
  );
  expect(topUp.status).toBe(503);
  await sim("/__sim/faults", "DELETE");
  expect((await tenant.api(`/api/v1/cards/${cardId}/cancel`, { method: "POST" })).status).toBe(200);
  // The issuer finishes the cancellation (its webhook arrives) before anything settles the top-up.
  await sleep(800);

  await untilReturned(tenant, 50);
  expect(await wallet(tenant)).toBe(50);
  const ledger = (await tenant.api("/api/v1/wallet/transactions")).body.data as {
    type: string;
    amount: number;
  }[];
  expect(ledger.map((t) => [t.type, t.amount])).toEqual([
    ["card_return", 30],
    ["top_up", -10],
    ["card_issue", -20],
    ["funding", 50],
  ]);
  await expectLedgerBalanced(cardrail);
  expect(await cardProblems(cardId)).toEqual([]);
});

it("a withdrawal, a top-up and a cancel racing after a purchase: never more back than was left", async () => {
  const tenant = await cardrail.tenant({ fund: 50 });
  const cardId = await activeCard(tenant, 20);
  const purchase = await tenant.api(
    `/api/v1/test-helpers/cards/${cardId}/authorizations`,
    post({ amount: 5, currency: "USD", merchant: { name: "Shop", mcc: "5812", country: "SG" } }),
  );
  expect(purchase.body.status).toBe("approved");
  await Promise.all([
    tenant.api(`/api/v1/cards/${cardId}/withdrawals`, post({ amount: 15 }, randomUUID())),
    tenant.api(`/api/v1/cards/${cardId}/cancel`, { method: "POST" }),
    tenant.api(`/api/v1/cards/${cardId}/top-ups`, post({ amount: 3 }, randomUUID())),
    tenant.api(`/api/v1/cards/${cardId}/withdrawals`, post({ amount: 1 }, randomUUID())),
  ]);
  // 50 funded, 5 spent: 45 comes back, however the race went.
  await untilReturned(tenant, 45);
  expect(await wallet(tenant)).toBe(45);
  await expectLedgerBalanced(cardrail);
  expect(await cardProblems(cardId)).toEqual([]);
});

it("a plain cancel leaves reconcile clean", async () => {
  const tenant = await cardrail.tenant({ fund: 50 });
  const cardId = await activeCard(tenant, 20);
  await tenant.api(`/api/v1/cards/${cardId}/cancel`, { method: "POST" });
  await untilReturned(tenant, 50);
  expect(await wallet(tenant)).toBe(50);
  expect(await cardProblems(cardId)).toEqual([]);
});
