import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail } from "../fixtures/cardrail.ts";
import { activeHolder, cardholderForm, issueCard } from "../fixtures/flows.ts";

let cardrail: TestCardrail;

beforeAll(async () => {
  cardrail = await startCardrail({
    RATE_LIMIT_PER_MINUTE: "40",
    REVEAL_RATE_LIMIT_PER_MINUTE: "2",
  });
});
afterAll(() => cardrail?.close());

describe("rate limits", () => {
  it("limits reveals per key with 429, Retry-After and the envelope; other keys are unaffected", async () => {
    const tenant = await cardrail.tenant({ fund: 50 });
    const holderId = await activeHolder(tenant);
    const card = await issueCard(tenant, { holderId, loadAmount: 5 });
    const reveal = () => tenant.api(`/api/v1/cards/${card.body.cardId}/reveal`);
    let first = await reveal();
    for (let i = 0; i < 100 && first.status === 409; i++) {
      await new Promise((r) => setTimeout(r, 20));
      first = await reveal();
    }
    expect(first.status).toBe(200);
    // The 409s above count too; keep revealing until the limit answers.
    let limited = await reveal();
    for (let i = 0; i < 5 && limited.status !== 429; i++) limited = await reveal();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ success: false, error: { code: "rate_limited" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("x-request-id")).toBe(limited.body.requestId);

    const other = await cardrail.tenant();
    expect((await other.api("/api/v1/wallet")).status).toBe(200);
  });

  it("limits all requests per key", async () => {
    const tenant = await cardrail.tenant();
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await tenant.api("/api/v1/wallet")).status);
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(40).every((s) => s === 429)).toBe(true);
  });
});

describe("live mode with no upstream configured", () => {
  it("still answers lookups (404 for unknown ids) and refuses to create before touching anything", async () => {
    const live = await cardrail.tenant({ mode: "live", fund: 100 });
    const status = await live.api("/api/v1/cardholders/ch_unknown/status");
    expect(status.status).toBe(404);
    const card = await live.api("/api/v1/cards/card_unknown");
    expect(card.status).toBe(404);

    const holder = await live.api("/api/v1/cardholders", {
      method: "POST",
      body: cardholderForm(),
    });
    expect(holder.status).toBe(503);
    expect(holder.body.error.code).toBe("upstream_unavailable");
    const issued = await issueCard(live, { holderId: "ch_unknown" });
    expect(issued.status).toBe(503);

    const db = cardrail.runtime.database.db;
    const rows = await db
      .selectFrom("cardholders")
      .select("id")
      .where("tenant_id", "=", live.tenantId)
      .execute();
    expect(rows).toEqual([]);
    const wallet = await live.api("/api/v1/wallet");
    expect(wallet.body.balances).toEqual([{ currency: "USD", balance: 100 }]);
  });
});
