import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseWebhookEvent, readWebhook, WebhookParseError } from "./webhook-events.ts";
import { signWebhook } from "./webhook-signature.ts";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../simulator/fixtures/${name}.json`, import.meta.url), "utf8");

const env = (event_type: string, data: Record<string, unknown>, extra: object = {}) =>
  JSON.stringify({
    version: "V1.6.0",
    event_name: "ISSUING",
    event_type,
    event_id: "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
    source_id: "src-1",
    data,
    ...extra,
  });

describe("parseWebhookEvent", () => {
  it("parses the recorded card.create.succeeded sample", () => {
    const e = parseWebhookEvent(fixture("webhook-card-create-succeeded"));
    expect(e.known).toBe(true);
    if (!e.known || e.event_type !== "card.create.succeeded") throw new Error("narrowing");
    expect(e.outcome).toBe("succeeded");
    expect(e.data.card_available_balance).toBe("1000");
    expect(e.data.spending_limits?.[0]?.amount).toBe("20000");
    expect(e.data.cardholder?.first_name).toBe("Ann");
  });

  it("parses an authorization with merchant_data as an array, amounts as strings", () => {
    const e = parseWebhookEvent(Buffer.from(fixture("webhook-transaction-authorization")));
    if (!e.known || e.event_type !== "issuing.transaction.authorization") throw new Error("type");
    expect(e.data.billing_amount).toBe("11.5");
    expect(e.data.card_available_balance).toBe("988.5");
    expect(e.data.merchants[0]?.category_code).toBe("5734");
    expect(e.source_id).toBe(e.data.transaction_id);
  });

  it("normalises an object merchant_data and numeric amounts to strings", () => {
    const e = parseWebhookEvent(
      env("issuing.transaction.reversal", {
        transaction_id: "t1",
        billing_amount: 11.5,
        merchant_data: { name: "Shop", category_code: 5734 },
      }),
    );
    if (e.event_type !== "issuing.transaction.reversal" || !e.known) throw new Error("type");
    expect(e.data.billing_amount).toBe("11.5");
    expect(e.data.merchants).toHaveLength(1);
  });

  it("parses the cardholder KYC sample and hides the 0001-01-01 placeholder date", () => {
    const e = parseWebhookEvent(fixture("webhook-cardholder-kyc"));
    if (!e.known || e.event_type !== "cardholder.kyc.status_changed") throw new Error("type");
    expect(e.data.cardholder_status).toBe("SUCCESS");
    expect(e.data.date_of_birth).toBeNull();
  });

  it("accepts the v1.5.2 envelope with event_name and event_type swapped", () => {
    const e = parseWebhookEvent(
      env(
        "ISSUING",
        { card_id: "c1", card_status: "FROZEN", update_reason: "x" },
        { event_name: "card.status.update.succeeded" },
      ),
    );
    expect(e.event_type).toBe("card.status.update.succeeded");
    expect(e.event_name).toBe("ISSUING");
    if (!e.known || e.event_type !== "card.status.update.succeeded") throw new Error("type");
    expect(e.data.card_status).toBe("FROZEN");
  });

  it("recharge/withdraw failures carry outcome failed", () => {
    const e = parseWebhookEvent(
      env("card.withdraw.failed", { card_id: "c1", amount: "200", order_status: "FAILED" }),
    );
    expect(e.outcome).toBe("failed");
    if (!e.known || e.event_type !== "card.withdraw.failed") throw new Error("type");
    expect(e.data.amount).toBe("200");
  });

  it("returns unknown event types as known:false instead of failing", () => {
    const e = parseWebhookEvent(env("issuing.something.new", { x: 1 }));
    expect(e).toMatchObject({ known: false, event_type: "issuing.something.new", data: { x: 1 } });
  });

  it("rejects garbage, envelopes without an id or type, and data that does not fit", () => {
    for (const bad of [
      "not json",
      "[]",
      "null",
      JSON.stringify({ event_type: "card.create.succeeded", data: {} }),
      JSON.stringify({ event_id: "e", event_name: "ISSUING", data: {} }),
      env("card.status.update.succeeded", { card_status: "FROZEN" }),
      env("issuing.transaction.authorization", { transaction_id: "t", billing_amount: {} }),
    ])
      expect(() => parseWebhookEvent(bad), bad).toThrow(WebhookParseError);
  });
});

describe("readWebhook", () => {
  it("verifies the raw body first, then parses; a bad signature is a reason, not an exception", () => {
    const body = fixture("webhook-card-status-update");
    const ts = String(Math.floor(Date.now() / 1000));
    const ok = readWebhook({
      rawBody: body,
      headers: { "x-wk-timestamp": ts, "x-wk-signature": signWebhook(body, ts, "s") },
      secret: "s",
    });
    expect(ok.ok && ok.event.event_type).toBe("card.status.update.succeeded");
    const tampered = readWebhook({
      rawBody: body.replace("FROZEN", "ACTIVE"),
      headers: { "x-wk-timestamp": ts, "x-wk-signature": signWebhook(body, ts, "s") },
      secret: "s",
    });
    expect(tampered).toEqual({ ok: false, reason: "bad_signature" });
    expect(readWebhook({ rawBody: body, headers: {}, secret: "s" })).toEqual({
      ok: false,
      reason: "missing_header",
    });
  });
});

describe("parseWebhookEvent on anything", () => {
  it("returns an event or throws WebhookParseError, never anything else", () => {
    const types = fc.constantFrom(
      "card.create.succeeded",
      "card.status.update.failed",
      "card.recharge.succeeded",
      "issuing.transaction.authorization",
      "cardholder.updated",
      "issuing.fee.card",
      "ISSUING",
      "x.y",
    );
    const body = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          event_id: fc.oneof(fc.uuid(), fc.constant(""), fc.integer()),
          event_type: types,
          event_name: types,
          source_id: fc.oneof(fc.uuid(), fc.integer(), fc.constant(null)),
          data: fc.dictionary(
            fc.constantFrom(
              "card_id",
              "transaction_id",
              "cardholder_id",
              "card_status",
              "amount",
              "merchant_data",
            ),
            fc.jsonValue(),
          ),
        })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(body, (raw) => {
        try {
          const e = parseWebhookEvent(raw);
          expect(typeof e.event_type).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(WebhookParseError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
