import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  signWebhookPayload,
  verifyWebhook,
  verifyWebhookSignature,
  WebhookVerificationError,
} from "../src/index.ts";

const secret = "whsec_test_0123456789";
const payload = JSON.stringify({ id: "evt_1", type: "card.activated", data: { cardId: "card_1" } });
const now = 1_795_000_000; // a fixed clock: nothing here depends on time passing

/** The scheme, computed independently of the helper under test. */
const sign = (t: number, body: string, key: string) =>
  createHmac("sha256", key).update(`${t}.${body}`).digest("hex");

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
  return undefined;
}

describe("verifyWebhook", () => {
  it("accepts a valid signature and returns the parsed event", () => {
    const header = `t=${now},v1=${sign(now, payload, secret)}`;
    const event = verifyWebhook<{ id: string }>({ payload, header, secret, now });
    expect(event.id).toBe("evt_1");
    expect(verifyWebhookSignature({ payload: Buffer.from(payload), header, secret, now })).toBe(
      now,
    );
  });

  it("agrees with signWebhookPayload", () => {
    const header = signWebhookPayload({ payload, secret, timestamp: now });
    expect(header).toBe(`t=${now},v1=${sign(now, payload, secret)}`);
    expect(verifyWebhook({ payload, header, secret, now })).toEqual(JSON.parse(payload));
  });

  it("rejects a tampered body, a tampered timestamp, a wrong secret", () => {
    const header = `t=${now},v1=${sign(now, payload, secret)}`;
    expect(
      reasonOf(() =>
        verifyWebhook({ payload: payload.replace("card_1", "card_2"), header, secret, now }),
      ),
    ).toBe("signature_mismatch");
    expect(
      reasonOf(() =>
        verifyWebhook({
          payload,
          header: `t=${now + 1},v1=${sign(now, payload, secret)}`,
          secret,
          now,
        }),
      ),
    ).toBe("signature_mismatch");
    expect(reasonOf(() => verifyWebhook({ payload, header, secret: "whsec_other", now }))).toBe(
      "signature_mismatch",
    );
  });

  it("rejects a stale or future timestamp beyond the tolerance (default 300 s)", () => {
    const old = now - 301;
    const header = `t=${old},v1=${sign(old, payload, secret)}`;
    expect(reasonOf(() => verifyWebhook({ payload, header, secret, now }))).toBe(
      "timestamp_out_of_tolerance",
    );
    const future = now + 301;
    expect(
      reasonOf(() =>
        verifyWebhook({
          payload,
          header: `t=${future},v1=${sign(future, payload, secret)}`,
          secret,
          now,
        }),
      ),
    ).toBe("timestamp_out_of_tolerance");
    // At the edge, and with a wider tolerance, it passes.
    const edge = now - 300;
    expect(
      reasonOf(() =>
        verifyWebhook({
          payload,
          header: `t=${edge},v1=${sign(edge, payload, secret)}`,
          secret,
          now,
        }),
      ),
    ).toBeUndefined();
    expect(
      reasonOf(() => verifyWebhook({ payload, header, secret, now, toleranceSeconds: 600 })),
    ).toBeUndefined();
  });

  it("accepts any v1 entry during a rotation, and any of several secrets", () => {
    const oldSecret = "whsec_old";
    const header = `t=${now},v1=${sign(now, payload, "whsec_new")},v1=${sign(now, payload, oldSecret)}`;
    expect(
      reasonOf(() => verifyWebhook({ payload, header, secret: oldSecret, now })),
    ).toBeUndefined();
    expect(
      reasonOf(() => verifyWebhook({ payload, header, secret: "whsec_new", now })),
    ).toBeUndefined();
    // The receiver rotating: it knows both secrets, the sender signs with one.
    const single = `t=${now},v1=${sign(now, payload, "whsec_new")}`;
    expect(
      reasonOf(() =>
        verifyWebhook({ payload, header: single, secret: [oldSecret, "whsec_new"], now }),
      ),
    ).toBeUndefined();
    expect(reasonOf(() => verifyWebhook({ payload, header, secret: "whsec_neither", now }))).toBe(
      "signature_mismatch",
    );
  });

  it("rejects missing and malformed headers", () => {
    const v1 = sign(now, payload, secret);
    expect(reasonOf(() => verifyWebhook({ payload, header: undefined, secret, now }))).toBe(
      "missing_header",
    );
    expect(reasonOf(() => verifyWebhook({ payload, header: "", secret, now }))).toBe(
      "missing_header",
    );
    for (const header of [`v1=${v1}`, `t=${now}`, `t=abc,v1=${v1}`, `t=${now},v1=zz`, "garbage"]) {
      expect(reasonOf(() => verifyWebhook({ payload, header, secret, now }))).toBe(
        "malformed_header",
      );
    }
    // Unknown schemes next to a valid v1 are ignored.
    expect(
      reasonOf(() => verifyWebhook({ payload, header: `t=${now},v0=abc,v1=${v1}`, secret, now })),
    ).toBeUndefined();
  });
});
