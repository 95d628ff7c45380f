import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import {
  expectLedgerBalanced,
  recoverUntilSettled,
  upstreamCardsPerRef,
  walletMinor,
} from "./helpers.ts";

let cardrail: TestCardrail;

beforeAll(async () => {
  cardrail = await startCardrail({ RECOVERY_AFTER_MS: "0" });
});
afterAll(() => cardrail?.close());

describe("a wallet under concurrent issuance", () => {
  it("50 concurrent POST /cards against a wallet that pays for 20: exactly 20 cards, balance exactly 0", async () => {
    const tenant = await cardrail.tenant({ fund: 400 });
    const holderId = await activeHolder(tenant);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => issueCard(tenant, { holderId, loadAmount: 20 })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 402)).toHaveLength(30);
    for (const refused of results.filter((r) => r.status === 402)) {
      expect(refused.body.error.code).toBe("insufficient_balance");
    }
    expect(await walletMinor(cardrail, tenant.tenantId)).toBe(0n);
    await recoverUntilSettled(cardrail);
    const cards = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select(["status"])
      .where("tenant_id", "=", tenant.tenantId)
      .execute();
    expect(cards).toHaveLength(20);
    expect(cards.every((c) => c.status === "active")).toBe(true);
    await expectLedgerBalanced(cardrail);
  });

  it("100 concurrent requests with one Idempotency-Key: one card, one debit, every answer equal or 409", async () => {
    const tenant = await cardrail.tenant({ fund: 100 });
    const holderId = await activeHolder(tenant);
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        issueCard(tenant, { holderId, loadAmount: 7.5 }, "one-key-for-all"),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const busy = results.filter((r) => r.status === 409);
    expect(created.length + busy.length).toBe(100);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of created) expect(r.body).toEqual(created[0]?.body);
    for (const r of busy) {
      expect(r.body.error.code).toBe("idempotency_key_in_use");
      expect(r.headers.get("retry-after")).toBeTruthy();
    }
    const cards = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select("id")
      .where("tenant_id", "=", tenant.tenantId)
      .execute();
    expect(cards).toHaveLength(1);
    expect(await walletMinor(cardrail, tenant.tenantId)).toBe(9250n);
    for (const [ref, count] of upstreamCardsPerRef(cardrail)) expect(count, ref).toBe(1);
    await expectLedgerBalanced(cardrail);
  });
});
