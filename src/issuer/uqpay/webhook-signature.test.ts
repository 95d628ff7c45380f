import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "./webhook-signature.ts";

const secret = "whsec_test";
const body = '{"version":"V1.6.0","event_name":"ISSUING","event_type":"card.create.succeeded"}';
const nowMs = Date.parse("2026-11-22T10:00:00Z");
const tsSec = String(Math.floor(nowMs / 1000));

describe("verifyWebhookSignature", () => {
  it("accepts hex HMAC-SHA512(secret, rawBody + timestamp) with a seconds timestamp", () => {
    const sig = createHmac("sha512", secret)
      .update(body + tsSec)
      .digest("hex");
    expect(signWebhook(body, tsSec, secret)).toBe(sig);
    const r = verifyWebhookSignature({
      rawBody: body,
      timestampHeader: tsSec,
      signatureHeader: sig,
      secret,
      now: nowMs,
    });
    expect(r).toEqual({ ok: true, timestampMs: Number(tsSec) * 1000 });
  });

  it("accepts a millisecond timestamp and a Buffer body", () => {
    const tsMs = String(nowMs - 1000);
    const sig = signWebhook(body, tsMs, secret);
    const r = verifyWebhookSignature({
      rawBody: Buffer.from(body),
      timestampHeader: tsMs,
      signatureHeader: sig.toUpperCase(),
      secret,
      now: nowMs,
    });
    expect(r.ok).toBe(true);
  });

  it("rejects stale and future timestamps beyond the tolerance", () => {
    for (const offset of [-301, 301]) {
      const ts = String(Number(tsSec) + offset);
      const r = verifyWebhookSignature({
        rawBody: body,
        timestampHeader: ts,
        signatureHeader: signWebhook(body, ts, secret),
        secret,
        now: nowMs,
      });
      expect(r).toEqual({ ok: false, reason: "stale_timestamp" });
    }
    const ts = String(Number(tsSec) - 500);
    expect(
      verifyWebhookSignature({
        rawBody: body,
        timestampHeader: ts,
        signatureHeader: signWebhook(body, ts, secret),
        secret,
        now: nowMs,
        toleranceSeconds: 600,
      }).ok,
    ).toBe(true);
  });

  it("rejects missing headers, junk timestamps and wrong signatures", () => {
    const sig = signWebhook(body, tsSec, secret);
    const base = { rawBody: body, secret, now: nowMs };
    expect(
      verifyWebhookSignature({ ...base, timestampHeader: undefined, signatureHeader: sig }).ok,
    ).toBe(false);
    expect(
      verifyWebhookSignature({ ...base, timestampHeader: tsSec, signatureHeader: "" }).ok,
    ).toBe(false);
    expect(
      verifyWebhookSignature({ ...base, timestampHeader: "12x", signatureHeader: sig }),
    ).toEqual({
      ok: false,
      reason: "bad_timestamp",
    });
    expect(
      verifyWebhookSignature({ ...base, timestampHeader: tsSec, signatureHeader: "abc" }),
    ).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(
      verifyWebhookSignature({
        ...base,
        secret: "other",
        timestampHeader: tsSec,
        signatureHeader: sig,
      }).ok,
    ).toBe(false);
    // The timestamp is part of what is signed: replaying the signature with another ts fails.
    const ts2 = String(Number(tsSec) + 1);
    expect(verifyWebhookSignature({ ...base, timestampHeader: ts2, signatureHeader: sig }).ok).toBe(
      false,
    );
  });

  it("any change to the body breaks the signature (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (raw, extra) => {
        const sig = signWebhook(raw, tsSec, secret);
        const base = { timestampHeader: tsSec, signatureHeader: sig, secret, now: nowMs };
        expect(verifyWebhookSignature({ ...base, rawBody: raw }).ok).toBe(true);
        expect(verifyWebhookSignature({ ...base, rawBody: raw + extra }).ok).toBe(false);
      }),
    );
  });
});
