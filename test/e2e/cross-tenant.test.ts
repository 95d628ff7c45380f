import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/modules/tenants/api-keys.ts";
import { buildSimulator, type Simulator } from "../../src/simulator/app.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { httpApi } from "../fixtures/http.ts";

/**
 * Another tenant's ids, and this tenant's ids seen from its other mode, are indistinguishable from
 * ids that do not exist: 404 not_found (never 403), nothing revealed, nothing issued, nothing debited.
 */

let liveUpstream: Simulator;
let cardrail: TestCardrail;
let a: TestTenant;
let aHolder: string;
let aCard: { cardId: string; uqpayCardId: string };
/** Everyone who must not see A's test-mode objects, by name. */
const outsiders: Record<string, TestTenant> = {};

type Res = Awaited<ReturnType<TestTenant["api"]>>;

/** Real HTTP with these credentials (the fixture's client, for a key the fixture did not create). */
const clientFor = (headers: Record<string, string>): TestTenant["api"] =>
  httpApi(cardrail.url, headers);

beforeAll(async () => {
  // A live upstream (a second simulator) so that live keys get real answers instead of 503.
  liveUpstream = await buildSimulator({
    clientId: "live-client",
    apiKey: "live-key",
    adminToken: "live-admin-token-for-tests",
    reviewDelayMs: 50,
  });
  const address = await liveUpstream.app.listen({ port: 0, host: "127.0.0.1" });
  cardrail = await startCardrail({
    UQPAY_BASE_URL: `${address}/api`,
    UQPAY_CLIENT_ID: "live-client",
    UQPAY_API_KEY: "live-key",
  });

  a = await cardrail.tenant({ fund: 100 });
  aHolder = await activeHolder(a);
  const card = await issueCard(a, { holderId: aHolder, loadAmount: 20 }, "a-key-1");
  expect(card.status, JSON.stringify(card.body)).toBe(201);
  aCard = { cardId: card.body.cardId, uqpayCardId: card.body.uqpayCardId };
  // Wait until A's card can be revealed by A, so a refusal for others is about ownership.
  let reveal = await a.api(`/api/v1/cards/${aCard.uqpayCardId}/reveal`);
  for (let i = 0; i < 200 && reveal.status === 409; i++) {
    await new Promise((r) => setTimeout(r, 20));
    reveal = await a.api(`/api/v1/cards/${aCard.uqpayCardId}/reveal`);
  }
  expect(reveal.status).toBe(200);

  outsiders["tenant B (test mode)"] = await cardrail.tenant({ fund: 100 });
  outsiders["tenant C (live mode)"] = await cardrail.tenant({ mode: "live" });
  const aLive = await createApiKey(
    cardrail.runtime.database.db,
    cardrail.runtime.hashKey,
    a.tenantId,
    "live",
  );
  const aLiveHeaders = { "x-api-key": aLive.apiKey, "x-access-key": aLive.accessKey };
  outsiders["tenant A's own live-mode key"] = {
    tenantId: a.tenantId,
    headers: aLiveHeaders,
    api: clientFor(aLiveHeaders),
  };
});
afterAll(async () => {
  await cardrail?.close();
  await liveUpstream?.close();
});

function expectNotFound(res: Res, label: string) {
  expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(404);
  expect(res.body).toMatchObject({ success: false, error: { code: "not_found" } });
  expect(res.headers.get("x-request-id")).toBe(res.body.requestId);
}

async function counts() {
  const db = cardrail.runtime.database.db;
  const cards = await db.selectFrom("cards").select("id").execute();
  const audit = await db.selectFrom("reveal_audit").select(["tenant_id", "mode"]).execute();
  const ledger = await db.selectFrom("ledger_transactions").select("id").execute();
  return { cards: cards.length, audit, ledger: ledger.length };
}

describe.each(["tenant B (test mode)", "tenant C (live mode)", "tenant A's own live-mode key"])(
  "%s",
  (who) => {
    const outsider = () => outsiders[who] as TestTenant;

    it("gets 404 for A's cardholder status, the same answer as for an id that never existed", async () => {
      const res = await outsider().api(`/api/v1/cardholders/${aHolder}/status`);
      expectNotFound(res, "holder status");
      const never = await outsider().api("/api/v1/cardholders/ch_neverexisted/status");
      expect({ ...res.body, requestId: null }).toEqual({ ...never.body, requestId: null });
    });

    it("gets 404 for A's card and its reveal, by cardId and by uqpayCardId, and no audit row is written", async () => {
      const before = await counts();
      for (const id of [aCard.cardId, aCard.uqpayCardId]) {
        expectNotFound(await outsider().api(`/api/v1/cards/${id}`), `card ${id}`);
        expectNotFound(await outsider().api(`/api/v1/cards/${id}/reveal`), `reveal ${id}`);
      }
      expect(await counts()).toEqual(before);
    });

    it("cannot issue a card for A's holder, even reusing A's Idempotency-Key", async () => {
      const before = await counts();
      for (const key of [undefined, "a-key-1", "outsider-key"]) {
        const res = await outsider().api("/api/v1/cards", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(key ? { "idempotency-key": key } : {}),
          },
          body: JSON.stringify({
            holderId: aHolder,
            cardType: "virtual",
            card_product_id: "111031",
            currency: "USD",
            loadAmount: 20,
          }),
        });
        // 404 for the holder; in live mode the test product may be unknown first (400 naming it). Never A's card.
        expect([400, 404], `${key}: ${JSON.stringify(res.body)}`).toContain(res.status);
        expect(res.body.success).toBe(false);
        expect(res.headers.get("idempotent-replayed")).toBeNull();
        expect(JSON.stringify(res.body)).not.toContain(aCard.cardId);
        if (who === "tenant B (test mode)") expectNotFound(res, "issue");
      }
      expect(await counts()).toEqual(before);
    });
  },
);

describe("afterwards", () => {
  it("A still sees its own objects and its wallet holds 100 - 20; B's wallet is untouched", async () => {
    expect((await a.api(`/api/v1/cardholders/${aHolder}/status`)).body).toMatchObject({
      status: "ACTIVE",
    });
    expect((await a.api(`/api/v1/cards/${aCard.cardId}`)).status).toBe(200);
    expect((await a.api("/api/v1/wallet")).body.balances).toEqual([
      { currency: "USD", balance: 80 },
    ]);
    const b = outsiders["tenant B (test mode)"] as TestTenant;
    expect((await b.api("/api/v1/wallet")).body.balances).toEqual([
      { currency: "USD", balance: 100 },
    ]);
    const audit = await cardrail.runtime.database.db
      .selectFrom("reveal_audit")
      .select(["tenant_id", "mode"])
      .execute();
    expect(audit.every((row) => row.tenant_id === a.tenantId && row.mode === "test")).toBe(true);
  });
});
