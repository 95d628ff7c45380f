import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generatePan, isLuhnValid, luhnCheckDigit } from "./cardnumber.ts";
import { Rng } from "./rng.ts";

describe("card numbers", () => {
  it("knows classic Luhn examples", () => {
    expect(isLuhnValid("4111111111111111")).toBe(true);
    expect(isLuhnValid("4111111111111112")).toBe(false);
    expect(luhnCheckDigit("7992739871")).toBe("3");
  });

  it("generates 16-digit Luhn-valid PANs on the BIN for any seed", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom("40963608", "46651711", "49387520"),
        (seed, bin) => {
          const rng = new Rng(seed);
          for (let i = 0; i < 5; i++) {
            const pan = generatePan(bin, rng);
            expect(pan).toHaveLength(16);
            expect(pan.startsWith(bin)).toBe(true);
            expect(isLuhnValid(pan)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("detects any single-digit change", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        (seed, pos, delta) => {
          const pan = generatePan("40963608", new Rng(seed));
          const changed =
            pan.slice(0, pos) + String((Number(pan[pos]) + delta) % 10) + pan.slice(pos + 1);
          expect(isLuhnValid(changed)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
