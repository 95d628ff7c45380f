import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, createHolder, issueCard, waitForStatus } from "../fixtures/flows.ts";

let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant({ fund: 100 });
});
afterAll(() => cardrail?.close());

describe("the contract's four calls", () => {
  it("onboards a cardholder, waits for ACTIVE, issues a card and reveals it", async () => {
    const created = await tenant.api("/api/v1/cardholders", {
      method: "POST",
      body: (await import("../fixtures/flows.ts")).cardholderForm(),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, holderStatus: "IN_REVIEW" });
    expect(typeof created.body.userId).toBe("string");
    expect(created.headers.get("x-request-id")).toBeTruthy();

    const holderId = created.body.holderId;
    expect(await waitForStatus(tenant, holderId)).toBe("ACTIVE");
    const status = await tenant.api(`/api/v1/cardholders/${holderId}/status`);
    expect(status.body).toEqual({ success: true, holderId, status: "ACTIVE", canIssueCard: true });

    const card = await issueCard(tenant, { holderId, loadAmount: 20 }, "flow-1");
    expect(card.status).toBe(201);
    expect(card.body).toMatchObject({
      success: true,
      holderId,
      status: "pending",
      loadAmount: 20,
      loadedBalance: 20,
    });
    expect(card.body.uqpayCardId).toBeTruthy();

    // Reveal by the issuer's id (the contract) and by ours.
    for (const id of [card.body.uqpayCardId, card.body.cardId]) {
      let reveal = await tenant.api(`/api/v1/cards/${id}/reveal`);
      for (let i = 0; i < 100 && reveal.status === 409; i++) {
        await new Promise((r) => setTimeout(r, 20));
        reveal = await tenant.api(`/api/v1/cards/${id}/reveal`);
      }
      expect(reveal.status).toBe(200);
      expect(reveal.headers.get("cache-control")).toBe("no-store");
      const details = reveal.body.cardDetails;
      expect(details.card_id).toBe(card.body.uqpayCardId);
      expect(details.card_number).toMatch(/^40963608\d{8}$/);
      expect(details.cvv).toMatch(/^\d{3}$/);
      expect(details.expiry_date).toMatch(/^(0[1-9]|1[0-2])\/\d{2}$/);
    }

    const audit = await cardrail.runtime.database.db
      .selectFrom("reveal_audit")
      .selectAll()
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit[0]?.card_id).toBe(card.body.cardId);

    const wallet = await tenant.api("/api/v1/wallet");
    expect(wallet.body.balances).toEqual([{ currency: "USD", balance: 80 }]);
  });

  it("keeps KYC magic values: REJECT… ends REJECTED and cannot get a card; REVIEW… stays IN_REVIEW", async () => {
    const rejected = await createHolder(tenant, { kycIdNumber: "REJECT123" });
    expect(await waitForStatus(tenant, rejected)).toBe("REJECTED");
    const refused = await issueCard(tenant, { holderId: rejected });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("cardholder_rejected");

    const reviewing = await createHolder(tenant, { kycIdNumber: "REVIEW123" });
    expect(await waitForStatus(tenant, reviewing, 300)).toBe("IN_REVIEW");
    const early = await issueCard(tenant, { holderId: reviewing });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("cardholder_under_verification");
  });

  it("replays an Idempotency-Key's first outcome and refuses its reuse for another request", async () => {
    const holderId = await activeHolder(tenant);
    const first = await issueCard(tenant, { holderId, loadAmount: 5 }, "replay-key");
    const again = await issueCard(tenant, { holderId, loadAmount: 5 }, "replay-key");
    expect(again.status).toBe(first.status);
    // Byte for byte (JSON.parse keeps the key order, so this compares the order too).
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(first.body));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const other = await issueCard(tenant, { holderId, loadAmount: 6 }, "replay-key");
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");

    const cards = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select("id")
      .where("cardholder_id", "=", holderId)
      .execute();
    expect(cards).toHaveLength(1);
  });
});
