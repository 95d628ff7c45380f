import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { expectLedgerBalanced } from "../money/helpers.ts";

/**
 * The card program from the outside, over HTTP only, as an integration drives it: lists, the card
 * lifecycle, money on and off cards, transactions from the simulated issuer, spend controls.
 */

let cardrail: TestCardrail;

beforeAll(async () => {
  cardrail = await startCardrail({ SIMULATOR_PRE_CANCEL_DELAY_MS: "200" });
});
afterAll(async () => {
  await cardrail?.close();
});

const json = (body: unknown, key?: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
  body: JSON.stringify(body),
});

async function activeCard(tenant: TestTenant, loadAmount = 20): Promise<string> {
  const holderId = await activeHolder(tenant);
  const res = await issueCard(tenant, { holderId, loadAmount }, randomUUID());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return eventually(tenant, `/api/v1/cards/${res.body.cardId}`, (b) => b.status === "active").then(
    (b) => b.cardId as string,
  );
}

/** GETs `path` until `done` holds for its body (bounded), the way a client polls. */
async function eventually(
  tenant: TestTenant,
  path: string,
  done: (body: Record<string, unknown>) => boolean,
  rounds = 200,
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  for (let i = 0; i < rounds; i++) {
    body = (await tenant.api(path)).body;
    if (done(body)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} never got there: ${JSON.stringify(body)}`);
}

const wallet = async (tenant: TestTenant) =>
  ((await tenant.api("/api/v1/wallet")).body.balances as { balance: number }[])[0]?.balance ?? 0;

describe("lists", () => {
  it("walks every card exactly once, page by page, while more are issued", async () => {
    const tenant = await cardrail.tenant({ fund: 1000 });
    const holderId = await activeHolder(tenant);
    const before: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await issueCard(tenant, { holderId, loadAmount: 1 });
      before.push(res.body.cardId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await tenant.api(`/api/v1/cards?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.data.map((c: { cardId: string }) => c.cardId));
      cursor = res.body.nextCursor;
      expect(res.body.hasMore).toBe(cursor !== null);
      // More cards arrive while the walk goes on.
      if (pages++ < 2) await issueCard(tenant, { holderId, loadAmount: 1 });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
    expect(seen.filter((id) => before.includes(id))).toEqual([...before].reverse());
  });

  it("filters cardholders and cards, and names a bad limit or cursor", async () => {
    const tenant = await cardrail.tenant({ fund: 100 });
    const holderId = await activeHolder(tenant);
    await issueCard(tenant, { holderId, loadAmount: 1 });
    const holders = await tenant.api("/api/v1/cardholders?status=ACTIVE");
    expect(holders.body.data.map((h: { holderId: string }) => h.holderId)).toEqual([holderId]);
    const profile = await tenant.api(`/api/v1/cardholders/${holderId}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ success: true, holderId, status: "ACTIVE" });
    expect(JSON.stringify(profile.body)).not.toContain("storage");
    const cards = await tenant.api(`/api/v1/cards?holderId=${holderId}`);
    expect(cards.body.data).toHaveLength(1);
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["cursor=not-a-cursor", "cursor"],
      ["createdFrom=yesterday", "createdFrom"],
    ]) {
      const res = await tenant.api(`/api/v1/cards?${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error.details)).toContain(field);
    }
  });
});

describe("lifecycle", () => {
  it("freeze → unfreeze → cancel returns the card's balance to the wallet exactly once", async () => {
    const tenant = await cardrail.tenant({ fund: 50 });
    const cardId = await activeCard(tenant, 20);
    expect(await wallet(tenant)).toBe(30);

    const frozen = await tenant.api(`/api/v1/cards/${cardId}/freeze`, { method: "POST" });
    expect(frozen.status, JSON.stringify(frozen.body)).toBe(200);
    await eventually(
      tenant,
      `/api/v1/cards/${cardId}`,
      (b) => b.status === "frozen" && !b.pendingStatus,
    );
    expect((await tenant.api(`/api/v1/cards/${cardId}/freeze`, { method: "POST" })).status).toBe(
      200,
    );

    await tenant.api(`/api/v1/cards/${cardId}/unfreeze`, { method: "POST" });
    await eventually(
      tenant,
      `/api/v1/cards/${cardId}`,
      (b) => b.status === "active" && !b.pendingStatus,
    );

    const cancel = await tenant.api(`/api/v1/cards/${cardId}/cancel`, { method: "POST" });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    await eventually(tenant, `/api/v1/cards/${cardId}`, (b) => b.status === "cancelled");
    const again = await tenant.api(`/api/v1/cards/${cardId}/cancel`, { method: "POST" });
    expect(again.status).toBe(200);
    const unfreeze = await tenant.api(`/api/v1/cards/${cardId}/unfreeze`, { method: "POST" });
    expect(unfreeze.status).toBe(409);
    expect(unfreeze.body.error.code).toBe("invalid_card_state");

    // The issuer ends the cancellation; the remaining 20 come back once, however often it is told.
    for (let i = 0; i < 200 && (await wallet(tenant)) !== 50; i++) {
      await cardrail.runtime.recoverCardProgramOnce();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await wallet(tenant)).toBe(50);
    await cardrail.runtime.recoverCardProgramOnce();
    expect(await wallet(tenant)).toBe(50);
    const ledger = await tenant.api("/api/v1/wallet/transactions");
    expect(ledger.body.data.map((t: { type: string }) => t.type)).toEqual([
      "card_return",
      "card_issue",
      "funding",
    ]);
    expect(ledger.body.data[0]).toMatchObject({ amount: 20, balanceAfter: 50, cardId });
    await expectLedgerBalanced(cardrail);
  });
});

describe("money on and off cards", () => {
  it("200 concurrent top-ups on a wallet funded for 100: exactly 100 succeed, the rest 402", async () => {
    const tenant = await cardrail.tenant({ fund: 101 });
    const cardId = await activeCard(tenant, 1);
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        tenant.api(`/api/v1/cards/${cardId}/top-ups`, json({ amount: 1 }, randomUUID())),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 402)).toHaveLength(100);
    const refused = answers.find((a) => a.status === 402);
    expect(refused?.body.error.details).toEqual({ available: 0, required: 1, currency: "USD" });
    expect(await wallet(tenant)).toBe(0);
    await expectLedgerBalanced(cardrail);
  });

  it("a withdrawal credits the wallet only once the issuer confirms, and replays by key", async () => {
    const tenant = await cardrail.tenant({ fund: 30 });
    const cardId = await activeCard(tenant, 20);
    const key = randomUUID();
    const res = await tenant.api(`/api/v1/cards/${cardId}/withdrawals`, json({ amount: 5 }, key));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ cardId, type: "withdrawal", amount: 5, currency: "USD" });
    if (res.body.status === "pending") expect(await wallet(tenant)).toBe(10);
    await eventually(
      tenant,
      "/api/v1/wallet",
      (b) => (b.balances as { balance: number }[])[0]?.balance === 15,
    );
    const replay = await tenant.api(
      `/api/v1/cards/${cardId}/withdrawals`,
      json({ amount: 5 }, key),
    );
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await wallet(tenant)).toBe(15);
    const tooMuch = await tenant.api(
      `/api/v1/cards/${cardId}/withdrawals`,
      json({ amount: 500 }, randomUUID()),
    );
    expect(tooMuch.status).toBe(402);
    expect(tooMuch.body.error.details).toMatchObject({ available: 15, required: 500 });
    await expectLedgerBalanced(cardrail);
  });
});

describe("transactions and test helpers", () => {
  it("approved, declined for balance and declined on a frozen card, as transactions and events", async () => {
    const tenant = await cardrail.tenant({ fund: 30 });
    const cardId = await activeCard(tenant, 20);
    const merchant = { name: "Corner Cafe", mcc: "5812", country: "SG" };
    const authorize = (amount: number) =>
      tenant.api(
        `/api/v1/test-helpers/cards/${cardId}/authorizations`,
        json({ amount, currency: "USD", merchant }),
      );
    const approved = await authorize(12.5);
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);
    expect(approved.body).toMatchObject({
      type: "authorization",
      status: "approved",
      amount: 12.5,
    });
    expect(approved.body.merchant).toMatchObject({ name: "Corner Cafe", mcc: "5812" });
    const broke = await authorize(100);
    expect(broke.body).toMatchObject({ status: "declined" });
    expect(broke.body.declineReason).toBeTruthy();
    await tenant.api(`/api/v1/cards/${cardId}/freeze`, { method: "POST" });
    await eventually(tenant, `/api/v1/cards/${cardId}`, (b) => b.status === "frozen");
    const frozen = await authorize(1);
    expect(frozen.body).toMatchObject({ status: "declined" });

    const settled = await tenant.api(
      `/api/v1/test-helpers/transactions/${approved.body.id}/settle`,
      { method: "POST" },
    );
    expect(settled.status, JSON.stringify(settled.body)).toBe(201);
    const list = await eventually(
      tenant,
      `/api/v1/cards/${cardId}/transactions`,
      (b) => (b.data as unknown[])?.length === 4,
    );
    const byId = new Map((list.data as { id: string; status: string }[]).map((t) => [t.id, t]));
    expect(byId.get(approved.body.id)?.status).toBe("settled");
    const events = await tenant.api("/api/v1/events?limit=100");
    const types = events.body.data.map((e: { type: string }) => e.type);
    expect(types).toContain("transaction.created");
    expect(types).toContain("transaction.updated");
  });

  it("test helpers are not there for live keys", async () => {
    const live = await cardrail.tenant({ mode: "live" });
    const res = await live.api(
      "/api/v1/test-helpers/cards/card_01jd2xa4b6c8d0e2f4g6h8j0k2/authorizations",
      json({ amount: 1, currency: "USD", merchant: { name: "x", mcc: "5812" } }),
    );
    expect(res.status).toBe(404);
  });
});

describe("spend controls", () => {
  it("sets a per-transaction limit and blocked categories; refuses what the issuer cannot enforce", async () => {
    const tenant = await cardrail.tenant({ fund: 30 });
    const cardId = await activeCard(tenant, 20);
    const patch = (body: unknown) =>
      tenant.api(`/api/v1/cards/${cardId}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ok = await patch({
      spendingLimits: [{ amount: 5, interval: "per_transaction" }],
      controls: { blockedMcc: ["7995"] },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.spendingLimits).toEqual([{ amount: 5, interval: "per_transaction" }]);
    expect(ok.body.controls).toMatchObject({ blockedMcc: ["7995"] });
    const daily = await patch({ spendingLimits: [{ amount: 5, interval: "daily" }] });
    expect(daily.status).toBe(400);
    expect(JSON.stringify(daily.body.error.details)).toContain("spendingLimits.0.interval");
    const unknown = await patch({ controls: { allowAtm: true } });
    expect(unknown.status).toBe(400);
    const overLimit = await tenant.api(
      `/api/v1/test-helpers/cards/${cardId}/authorizations`,
      json({ amount: 6, currency: "USD", merchant: { name: "Shop", mcc: "5411" } }),
    );
    expect(overLimit.body.status).toBe("declined");
  });
});

describe("other tenants and modes", () => {
  it("every new path answers 404 to another tenant", async () => {
    const owner = await cardrail.tenant({ fund: 30 });
    const cardId = await activeCard(owner, 5);
    const holderId = ((await owner.api("/api/v1/cardholders")).body.data[0] as { holderId: string })
      .holderId;
    const other = await cardrail.tenant({ fund: 30 });
    for (const [path, init] of [
      [`/api/v1/cardholders/${holderId}`, undefined],
      [`/api/v1/cards/${cardId}/transactions`, undefined],
      [`/api/v1/cards/${cardId}/freeze`, { method: "POST" }],
      [`/api/v1/cards/${cardId}/unfreeze`, { method: "POST" }],
      [`/api/v1/cards/${cardId}/cancel`, { method: "POST" }],
      [`/api/v1/cards/${cardId}/top-ups`, json({ amount: 1 }, randomUUID())],
      [`/api/v1/cards/${cardId}/withdrawals`, json({ amount: 1 }, randomUUID())],
      [
        `/api/v1/test-helpers/cards/${cardId}/authorizations`,
        json({ amount: 1, currency: "USD", merchant: { name: "x", mcc: "5812" } }),
      ],
    ] as const) {
      const res = await other.api(path, init as RequestInit | undefined);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(404);
    }
    expect((await other.api("/api/v1/cards")).body.data).toEqual([]);
    expect((await other.api("/api/v1/transactions")).body.data).toEqual([]);
    expect(await wallet(other)).toBe(30);
  });
});
