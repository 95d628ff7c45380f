import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  currencyExponent,
  decimalToMinor,
  isKnownCurrency,
  minorToDecimalString,
  minorToNumber,
} from "./money.ts";

/** USD (2 minor digits), JPY (0) and BHD (3): the three shapes of ISO 4217 exponents we meet. */
const CURRENCIES = [
  ["USD", 2],
  ["JPY", 0],
  ["BHD", 3],
] as const;

/**
 * Amounts up to 10^15 minor units: 15 significant digits, which a double represents exactly
 * enough that its shortest decimal text is the amount itself (the JSON wire format relies on it).
 */
const minorAmount = fc.bigInt({ min: 0n, max: 10n ** 15n });

describe("currencyExponent / isKnownCurrency", () => {
  it("knows the minor digits of USD, JPY and BHD from ICU", () => {
    for (const [currency, exponent] of CURRENCIES)
      expect(currencyExponent(currency)).toBe(exponent);
    expect(currencyExponent("KWD")).toBe(3);
    expect(currencyExponent("EUR")).toBe(2);
  });

  it("refuses unknown, lowercase and malformed codes", () => {
    for (const code of ["XYZ", "usd", "US", "USDD", "", " USD", "U$D"]) {
      expect(isKnownCurrency(code)).toBe(false);
    }
    expect(() => currencyExponent("XYZ")).toThrow(RangeError);
  });
});

describe("decimalToMinor / minorToDecimalString / minorToNumber", () => {
  for (const [currency, exponent] of CURRENCIES) {
    describe(`${currency} (${exponent} minor digits)`, () => {
      it("round-trips every amount through its decimal string", () => {
        fc.assert(
          fc.property(minorAmount, (minor) => {
            const text = minorToDecimalString(minor, currency);
            const fraction = text.split(".")[1] ?? "";
            expect(fraction.length).toBe(exponent);
            expect(decimalToMinor(text, currency)).toBe(minor);
          }),
          { numRuns: 300 },
        );
      });

      it("round-trips every amount through its JSON number (the wire format)", () => {
        fc.assert(
          fc.property(minorAmount, (minor) => {
            const wire = minorToNumber(minor, currency);
            // What a client sends back after JSON.parse(JSON.stringify(...)).
            const parsed = JSON.parse(JSON.stringify(wire)) as number;
            expect(decimalToMinor(parsed, currency)).toBe(minor);
          }),
          { numRuns: 300 },
        );
      });

      it("accepts any decimal text with at most the currency's digits, exactly", () => {
        fc.assert(
          fc.property(
            fc.bigInt({ min: 0n, max: 10n ** 20n }),
            fc.integer({ min: 0, max: exponent }),
            fc.nat(),
            (whole, digits, seed) => {
              const fraction =
                digits === 0 ? "" : String(seed % 10 ** digits).padStart(digits, "0");
              const text = digits === 0 ? `${whole}` : `${whole}.${fraction}`;
              const expected =
                whole * 10n ** BigInt(exponent) +
                BigInt((fraction + "0".repeat(exponent)).slice(0, exponent) || "0");
              expect(decimalToMinor(text, currency)).toBe(expected);
            },
          ),
          { numRuns: 300 },
        );
      });

      it("refuses more digits than the currency has (unless they are zeros)", () => {
        fc.assert(
          fc.property(
            fc.bigInt({ min: 0n, max: 10n ** 12n }),
            fc.integer({ min: 1, max: 6 }),
            fc.integer({ min: 1, max: 9 }),
            (whole, extra, lastDigit) => {
              const fraction = "0".repeat(exponent + extra - 1) + String(lastDigit);
              expect(decimalToMinor(`${whole}.${fraction}`, currency)).toBeNull();
              // Trailing zeros beyond the exponent change nothing: "20.10" is 20.1.
              expect(decimalToMinor(`${whole}.${"0".repeat(exponent + extra)}`, currency)).toBe(
                whole * 10n ** BigInt(exponent),
              );
            },
          ),
          { numRuns: 200 },
        );
      });

      it("refuses negatives, NaN, Infinity, exponent notation and other non-decimals", () => {
        fc.assert(
          fc.property(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), (negative) => {
            expect(decimalToMinor(negative, currency)).toBeNull();
            expect(decimalToMinor(String(negative), currency)).toBeNull();
          }),
          { numRuns: 200 },
        );
        for (const bad of [
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          1e21,
          1e-7,
        ]) {
          expect(decimalToMinor(bad, currency)).toBeNull();
        }
        for (const bad of [
          "",
          " ",
          "-5",
          "-0.01",
          "+5",
          "1e2",
          "1E2",
          "2e-2",
          "Infinity",
          "NaN",
          ".5",
          "5.",
          "5..0",
          "5,00",
          "0x10",
          "1_000",
          "١٢",
          "５",
          "20 USD",
        ]) {
          expect(decimalToMinor(bad, currency), JSON.stringify(bad)).toBeNull();
        }
      });
    });
  }

  it("has no float drift: values that are not exact in binary still convert exactly", () => {
    // Every cent amount, divided as a float, converts back to exactly that many cents.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 15 }), (cents) => {
        expect(decimalToMinor(cents / 100, "USD")).toBe(BigInt(cents));
      }),
      { numRuns: 500 },
    );
    expect(decimalToMinor(0.1, "USD")).toBe(10n);
    expect(decimalToMinor(1.15, "USD")).toBe(115n); // 1.15 * 100 is 114.99999999999999 in floats
    expect(decimalToMinor(4.35, "USD")).toBe(435n); // 4.35 * 100 is 434.99999999999994
    expect(decimalToMinor(1.005, "BHD")).toBe(1005n);
    // 0.1 + 0.2 is 0.30000000000000004: refused rather than silently rounded to 0.30.
    expect(decimalToMinor(0.1 + 0.2, "USD")).toBeNull();
    expect(decimalToMinor(20.001, "USD")).toBeNull();
    expect(decimalToMinor(20.5, "JPY")).toBeNull();
    expect(decimalToMinor(20, "JPY")).toBe(20n);
  });

  it("formats minor units with exactly the currency's digits, negatives included", () => {
    expect(minorToDecimalString(2005n, "USD")).toBe("20.05");
    expect(minorToDecimalString(5n, "USD")).toBe("0.05");
    expect(minorToDecimalString(-5n, "USD")).toBe("-0.05");
    expect(minorToDecimalString(0n, "USD")).toBe("0.00");
    expect(minorToDecimalString(123n, "JPY")).toBe("123");
    expect(minorToDecimalString(1234n, "BHD")).toBe("1.234");
    expect(minorToDecimalString(-1n, "BHD")).toBe("-0.001");
    expect(minorToNumber(2000n, "USD")).toBe(20);
    expect(minorToNumber(-2050n, "USD")).toBe(-20.5);
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (minor) => {
        const text = minorToDecimalString(minor, "USD");
        expect(text).toMatch(/^-?\d+\.\d{2}$/);
        const abs = minor < 0n ? -minor : minor;
        expect(minorToDecimalString(abs, "USD")).toBe(text.replace(/^-/, ""));
      }),
      { numRuns: 200 },
    );
  });
});
