import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseUqpayEvent } from "./inbound-events.ts";

/** UQPay's card-program webhooks, as the fact sheet's samples give them, in the port's terms. */
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../simulator/fixtures/${name}.json`, import.meta.url), "utf8"),
  ) as { event_type: string; source_id: string; data: Record<string, unknown> };

const CARD = "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8";

describe("card-program webhooks → IssuerEvent", () => {
  it("recharge and withdraw: card_order with amounts in minor units, the order id from source_id", () => {
    expect(parseUqpayEvent(fixture("webhook-card-recharge-succeeded"))).toEqual({
      eventId: "de0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
      type: "card.recharge.succeeded",
      kind: "card_order",
      issuerOrderId: "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
      issuerCardId: CARD,
      order: "recharge",
      succeeded: true,
      cardStatus: "ACTIVE",
      availableMinor: 4200n,
      amountMinor: 20000n,
      currency: "USD",
    });
    expect(parseUqpayEvent(fixture("webhook-card-withdraw-failed"))).toMatchObject({
      kind: "card_order",
      order: "withdraw",
      succeeded: false,
    });
  });

  it("card.update: card_order (update) without an amount", () => {
    const event = parseUqpayEvent(fixture("webhook-card-update-succeeded"));
    expect(event).toMatchObject({ kind: "card_order", order: "update", succeeded: true });
    expect(event).not.toHaveProperty("amountMinor");
  });

  it("status: an ordered status is card_order; one reached without an order is card_status", () => {
    const frozen = fixture("webhook-card-status-update");
    expect(parseUqpayEvent(frozen)).toMatchObject({
      kind: "card_order",
      order: "status",
      issuerOrderId: frozen.source_id,
      cardStatus: "FROZEN",
      availableMinor: 100000n,
    });
    for (const status of ["CANCELLED", "BLOCKED", "lost"])
      expect(
        parseUqpayEvent({ ...frozen, data: { ...frozen.data, card_status: status } }),
      ).toMatchObject({ kind: "card_status", issuerCardId: CARD, status: status.toUpperCase() });
    const failed = { ...frozen, event_type: "card.status.update.failed" };
    expect(
      parseUqpayEvent({ ...failed, data: { ...frozen.data, card_status: "ACTIVE" } }),
    ).toMatchObject({
      kind: "card_order",
      order: "status",
      succeeded: false,
      cardStatus: "ACTIVE",
    });
  });

  it("transactions and fees: the transaction; one that cannot be read is other", () => {
    const auth = fixture("webhook-transaction-authorization");
    expect(parseUqpayEvent(auth)).toMatchObject({
      kind: "transaction",
      transaction: { type: "authorization", status: "approved", billingAmountMinor: 1150n },
    });
    const fee = {
      ...auth,
      event_type: "issuing.fee.card",
      data: { ...auth.data, transaction_type: "FEE", remark: "3DS Fee", merchant_data: [] },
    };
    expect(parseUqpayEvent(fee)).toMatchObject({
      kind: "transaction",
      transaction: { type: "fee", status: "approved", merchant: null },
    });
    expect(
      parseUqpayEvent({ ...auth, data: { ...auth.data, billing_amount: "lots" } }),
    ).toMatchObject({ kind: "other", type: "issuing.transaction.authorization" });
  });

  it("an order event without a card or an order id is other, never a guess", () => {
    const recharge = fixture("webhook-card-recharge-succeeded");
    expect(parseUqpayEvent({ ...recharge, data: { ...recharge.data, card_id: "" } })).toMatchObject(
      { kind: "other" },
    );
    expect(parseUqpayEvent({ ...recharge, source_id: "" })).toMatchObject({ kind: "other" });
  });
});
