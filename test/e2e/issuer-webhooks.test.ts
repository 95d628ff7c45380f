import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../src/issuer/uqpay/webhook-signature.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { createHolder, issueCard } from "../fixtures/flows.ts";
import { expectLedgerBalanced } from "../money/helpers.ts";

/**
 * UQPay's webhooks drive statuses on their own: polling is switched off (a huge refresh interval
 * and no recovery sweep), so only the simulator's signed webhooks can move the holder and the card.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail({
    STATUS_REFRESH_INTERVAL_MS: "3600000",
    RECOVERY_AFTER_MS: "3600000",
  });
  tenant = await cardrail.tenant({ fund: 100 });
});
afterAll(() => cardrail?.close());

const db = () => cardrail.runtime.database.db;

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

function post(
  body: unknown,
  options: { secret?: string; timestamp?: number; rawSignature?: string } = {},
) {
  const raw = JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const secret = options.secret ?? cardrail.runtime.webhookSecret("test") ?? "";
  const signature = options.rawSignature ?? signWebhook(raw, timestamp, secret);
  return fetch(`${cardrail.url}/webhooks/uqpay/test`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-wk-timestamp": timestamp,
      "x-wk-signature": signature,
    },
    body: raw,
  });
}

describe("UQPay webhooks drive statuses without polling", () => {
  it("a KYC decision and a card activation arrive by webhook and move the holder and the money", async () => {
    const holderId = await createHolder(tenant);
    const holder = await until(
      () =>
        db()
          .selectFrom("cardholders")
          .select(["status", "decided_at"])
          .where("id", "=", holderId)
          .executeTakeFirstOrThrow(),
      (h) => h.status !== "IN_REVIEW",
    );
    expect(holder.status).toBe("ACTIVE");
    expect(holder.decided_at).not.toBeNull();

    const card = await issueCard(tenant, { holderId, loadAmount: 10 });
    expect(card.status).toBe(201);
    const settled = await until(
      () =>
        db()
          .selectFrom("cards")
          .select("status")
          .where("id", "=", card.body.cardId)
          .executeTakeFirstOrThrow(),
      (c) => c.status !== "pending" && c.status !== "creating",
    );
    expect(settled.status).toBe("active");
    // The webhook carries the issuer's masked number; that (never the full one) is kept.
    const shown = await tenant.api(`/api/v1/cards/${card.body.cardId}`);
    expect(shown.body.maskedNumber).toMatch(/^\*{12}\d{4}$/);
    await expectLedgerBalanced(cardrail);
  });

  it("refuses bad signatures and stale timestamps, before parsing anything", async () => {
    const event = {
      version: "V1.6.0",
      event_name: "ISSUING",
      event_type: "cardholder.updated",
      event_id: "e-bad",
      data: {},
    };
    expect((await post(event, { secret: "the-wrong-secret" })).status).toBe(401);
    expect((await post(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(
      401,
    );
    expect((await post(event, { rawSignature: "00" })).status).toBe(401);
    const unsigned = await fetch(`${cardrail.url}/webhooks/uqpay/test`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(unsigned.status).toBe(401);
    const seen = await db()
      .selectFrom("inbound_events")
      .select("event_id")
      .where("event_id", "=", "e-bad")
      .execute();
    expect(seen).toEqual([]);
  });

  it("applies a duplicate once and never moves a status backwards", async () => {
    const holderId = await createHolder(tenant, { kycIdNumber: "REVIEW-WEBHOOK" });
    const row = await db()
      .selectFrom("cardholders")
      .select("issuer_cardholder_id")
      .where("id", "=", holderId)
      .executeTakeFirstOrThrow();
    const event = (id: string, status: string) => ({
      version: "V1.6.0",
      event_name: "ISSUING",
      event_type: "cardholder.kyc.status_changed",
      event_id: id,
      source_id: row.issuer_cardholder_id,
      data: { cardholder_id: row.issuer_cardholder_id, cardholder_status: status },
    });
    const first = await post(event("evt-approve", "SUCCESS"));
    expect(await first.json()).toEqual({ received: true, result: "applied" });
    const again = await post(event("evt-approve", "SUCCESS"));
    expect(await again.json()).toEqual({ received: true, result: "duplicate" });
    // A late, older event (PENDING) arrives after the decision: ignored.
    const late = await post(event("evt-older", "PENDING"));
    expect(await late.json()).toEqual({ received: true, result: "ignored" });
    const status = await tenant.api(`/api/v1/cardholders/${holderId}/status`);
    expect(status.body.status).toBe("ACTIVE");
  });

  it("acknowledges events it does not act on, and unknown objects", async () => {
    const other = await post({
      version: "V1.6.0",
      event_name: "ISSUING",
      event_type: "issuing.transaction.authorization",
      event_id: "evt-tx",
      data: {},
    });
    expect(other.status).toBe(200);
    const unknownCard = await post({
      version: "V1.6.0",
      event_name: "ISSUING",
      event_type: "card.create.succeeded",
      event_id: "evt-unknown-card",
      data: { card_id: "00000000-0000-4000-8000-000000000000", card_status: "ACTIVE" },
    });
    expect(await unknownCard.json()).toEqual({ received: true, result: "ignored" });
  });
});
