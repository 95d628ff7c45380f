import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redact, redactString } from "./redact.ts";

describe("redact", () => {
  it("masks 13–19 digit runs but keeps shorter numbers", () => {
    expect(redactString("card 4096360812345678 ok")).toBe("card ************5678 ok");
    expect(redactString("id 123456789012")).toBe("id 123456789012");
    expect(redactString("/v1/issuing/cards?card_number=5555444433332222111")).toBe(
      "/v1/issuing/cards?card_number=***************2111",
    );
  });

  it("removes cvv, tokens and KYC documents, deeply, and survives cycles", () => {
    const input: Record<string, unknown> = {
      card_number: "4096360812345678",
      cvv: "123",
      expire_date: "12/28",
      auth_token: "a.b.c",
      headers: { "x-api-key": "k", "x-auth-token": "Bearer t" },
      identity: {
        type: "PASSPORT",
        number: "E1",
        front_file: "QUJD",
        back_file: "REVG",
        hand_file: "R0hJ",
      },
      document: "JVBERi0x",
      list: [{ token: "tok" }],
      n: 4096360812345678,
    };
    input.self = input;
    const out = JSON.stringify(redact(input));
    for (const secret of [
      "4096360812345678",
      '123"',
      "a.b.c",
      "QUJD",
      "REVG",
      "R0hJ",
      "JVBERi0x",
      'tok"',
      "Bearer t",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("PASSPORT");
    expect(out).toContain("[Circular]");
  });

  it("never leaves a full PAN in any string (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^[1-9]\d{12,18}$/), fc.string(), (a, pan, b) => {
        const out = redactString(`${a} ${pan} ${b}`);
        expect(out).not.toContain(pan);
      }),
    );
  });
});
