import fc from "fast-check";
import countries from "i18n-iso-countries";
import { describe, expect, it } from "vitest";
import {
  cardholderFieldsSchema,
  crossFieldIssues,
  FILE_FIELDS,
  isCalendarDate,
  TEXT_FIELDS,
} from "./fields.ts";

const valid = {
  email: "asha.rao@example.com",
  firstName: "Asha",
  lastName: "Rao",
  country: "IN",
  mobile: "9876543210",
  kycDocType: "passport",
  kycIdNumber: "P1234567",
};

/** The fields the schema refuses for this input (empty when it accepts). */
function refused(overrides: Record<string, unknown>): string[] {
  const result = cardholderFieldsSchema.safeParse({ ...valid, ...overrides });
  return result.success ? [] : [...new Set(result.error.issues.map((i) => String(i.path[0])))];
}

const letters = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüñßøçÅÉЖжλΩअशआ李王"];
const letter = fc.constantFrom(...letters);
const nameChar = fc.constantFrom(...letters, " ");

/** 1–40 letters and spaces, starting and ending with a letter: the upstream's name rule. */
const validName = fc.oneof(
  letter,
  fc
    .tuple(letter, fc.array(nameChar, { maxLength: 38 }), letter)
    .map(([a, mid, b]) => a + mid.join("") + b),
);

const TODAY = "2026-11-22";

describe("names (firstName, lastName)", () => {
  it("accepts every 1-40 character string of letters and inner spaces", () => {
    fc.assert(
      fc.property(validName, validName, (firstName, lastName) => {
        expect(refused({ firstName, lastName })).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a leading or trailing space", () => {
    fc.assert(
      fc.property(
        validName.filter((n) => n.length <= 39),
        fc.boolean(),
        (name, leading) => {
          const padded = leading ? ` ${name}` : `${name} `;
          expect(refused({ firstName: padded })).toEqual(["firstName"]);
          expect(refused({ lastName: padded })).toEqual(["lastName"]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses digits, punctuation and control characters anywhere", () => {
    fc.assert(
      fc.property(
        validName,
        fc.constantFrom(..."0123456789-_.'@!#\t\n\u0000<>/\\"),
        fc.nat(),
        (name, bad, at) => {
          const i = at % (name.length + 1);
          const withBad = name.slice(0, i) + bad + name.slice(i);
          expect(refused({ firstName: withBad })).toEqual(["firstName"]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses empty, blank and over-long names (41 characters)", () => {
    expect(refused({ firstName: "" })).toEqual(["firstName"]);
    expect(refused({ firstName: "   " })).toEqual(["firstName"]);
    expect(refused({ firstName: "A".repeat(40) })).toEqual([]);
    expect(refused({ firstName: "A".repeat(41) })).toEqual(["firstName"]);
    expect(refused({ lastName: `${"A".repeat(20)} ${"B".repeat(20)}` })).toEqual(["lastName"]);
    expect(refused({ firstName: "Asha2" })).toEqual(["firstName"]);
    expect(refused({ firstName: " Asha" })).toEqual(["firstName"]);
  });
});

describe("isCalendarDate", () => {
  const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  const pad = (n: number, w: number) => String(n).padStart(w, "0");

  it("accepts exactly the real calendar dates (1900 onwards), leap years included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1800, max: 2999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const real = y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);
          expect(isCalendarDate(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`)).toBe(real);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("knows the leap-year rules", () => {
    expect(isCalendarDate("2024-02-29")).toBe(true);
    expect(isCalendarDate("2000-02-29")).toBe(true); // divisible by 400
    expect(isCalendarDate("2023-02-29")).toBe(false);
    expect(isCalendarDate("1900-02-29")).toBe(false); // divisible by 100, not 400
    expect(isCalendarDate("2100-02-29")).toBe(false);
    expect(isCalendarDate("2023-02-30")).toBe(false);
    expect(isCalendarDate("2023-04-31")).toBe(false);
    expect(isCalendarDate("2023-12-31")).toBe(true);
  });

  it("accepts every date a Date can print, and refuses other formats", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1900-01-01T00:00:00Z"),
          max: new Date("2999-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        (date) => {
          expect(isCalendarDate(date.toISOString().slice(0, 10))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    for (const bad of [
      "31-12-2030",
      "2030/12/31",
      "2030-1-5",
      "20301231",
      "2030-12-31T00:00:00Z",
      "",
      "2030-12",
      "２０３０-12-31",
    ]) {
      expect(isCalendarDate(bad), bad).toBe(false);
    }
  });

  it("refuses impossible dates in the optional date fields, naming each", () => {
    expect(refused({ kycDob: "2023-02-30" })).toEqual(["kycDob"]);
    expect(refused({ kycIssueDate: "31-12-2030" })).toEqual(["kycIssueDate"]);
    expect(refused({ kycExpiryDate: "2030-13-01" })).toEqual(["kycExpiryDate"]);
    expect(
      refused({ kycDob: "1990-05-17", kycIssueDate: "2020-01-01", kycExpiryDate: "2030-01-01" }),
    ).toEqual([]);
  });
});

describe("crossFieldIssues (against today, 2026-11-22)", () => {
  const parse = (overrides: Record<string, string>) =>
    cardholderFieldsSchema.parse({ ...valid, ...overrides });
  const fields = (overrides: Record<string, string>) =>
    crossFieldIssues(parse(overrides), TODAY).map((i) => i.field);

  it("refuses an expired document, a future issue date and a future date of birth", () => {
    expect(fields({ kycExpiryDate: "2026-11-21" })).toEqual(["kycExpiryDate"]);
    expect(fields({ kycExpiryDate: "2026-11-22" })).toEqual([]);
    expect(fields({ kycIssueDate: "2026-11-23" })).toEqual(["kycIssueDate"]);
    expect(fields({ kycDob: "2027-01-01" })).toEqual(["kycDob"]);
    expect(fields({ kycDob: TODAY })).toEqual(["kycDob"]);
    expect(fields({ kycIssueDate: "2030-01-01", kycExpiryDate: "2029-01-01" })).toContain(
      "kycIssueDate",
    );
  });

  it("accepts any past issue date before any future expiry date", () => {
    const past = fc.date({
      min: new Date("1950-01-01"),
      max: new Date("2026-11-21"),
      noInvalidDate: true,
    });
    const future = fc.date({
      min: new Date("2026-11-23"),
      max: new Date("2099-12-31"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(past, future, past, (issue, expiry, dob) => {
        const day = (d: Date) => d.toISOString().slice(0, 10);
        expect(
          fields({ kycIssueDate: day(issue), kycExpiryDate: day(expiry), kycDob: day(dob) }),
        ).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("other fields", () => {
  it("accepts every ISO 3166-1 alpha-2 code, in either case, and normalises to upper case", () => {
    for (const code of Object.keys(countries.getAlpha2Codes())) {
      expect(refused({ country: code }), code).toEqual([]);
      expect(cardholderFieldsSchema.parse({ ...valid, country: code.toLowerCase() }).country).toBe(
        code,
      );
    }
  });

  it("refuses country codes that are not assigned, and country names", () => {
    for (const bad of ["XX", "ZZ", "UK", "EU", "India", "IND", "I", "", "1N", "ÍN"]) {
      expect(refused({ country: bad }), bad).toEqual(["country"]);
    }
  });

  it("accepts valid emails and refuses malformed ones", () => {
    for (const ok of ["a@example.com", "first.last+tag@sub.example.co.in", " asha@example.com "]) {
      expect(refused({ email: ok }), ok).toEqual([]);
    }
    for (const bad of [
      "",
      "asha",
      "asha@",
      "@example.com",
      "asha@@example.com",
      "asha@example",
      "a b@example.com",
      "asha@example.com\u0000",
      `${"a".repeat(250)}@example.com`,
    ]) {
      expect(refused({ email: bad }), bad).toEqual(["email"]);
    }
  });

  it("takes mobiles as digits only", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{4,15}$/), (mobile) => {
        expect(refused({ mobile })).toEqual([]);
      }),
      { numRuns: 100 },
    );
    for (const bad of [
      "+91-98",
      "+919876543210",
      "98765 43210",
      "(987)6543210",
      "abc",
      "",
      "١٢٣٤٥",
    ]) {
      expect(refused({ mobile: bad }), bad).toEqual(["mobile"]);
    }
  });

  it("takes kycDocType from the closed list only", () => {
    for (const ok of ["passport", "id_card", "drivers_license"])
      expect(refused({ kycDocType: ok })).toEqual([]);
    for (const bad of ["visa", "PASSPORT", "", "passport ", "id card"]) {
      expect(refused({ kycDocType: bad }), bad).toEqual(["kycDocType"]);
    }
  });

  it("refuses control characters in every free-text field", () => {
    expect(refused({ town: "Pune\u0000" })).toEqual(["town"]);
    expect(refused({ town: "Pu\nne" })).toEqual(["town"]);
    expect(refused({ kycIdNumber: "P1\u0000" })).toEqual(["kycIdNumber"]);
    expect(refused({ gender: "male\u0000" })).toEqual(["gender"]);
    expect(refused({ town: "Pune", gender: "FEMALE", areaCode: "+91" })).toEqual([]);
  });

  it("names every required field when all are missing", () => {
    const result = cardholderFieldsSchema.safeParse({});
    expect(result.success).toBe(false);
    const named = new Set(result.error?.issues.map((i) => String(i.path[0])));
    expect([...named].sort()).toEqual(
      ["country", "email", "firstName", "kycDocType", "kycIdNumber", "lastName", "mobile"].sort(),
    );
  });

  it("lists the multipart fields the parser accepts", () => {
    expect([...FILE_FIELDS].sort()).toEqual(["docBack", "docFront", "selfie"]);
    for (const field of [
      "email",
      "firstName",
      "lastName",
      "country",
      "mobile",
      "kycDocType",
      "kycIdNumber",
      "kycDob",
      "kycIssueDate",
      "kycExpiryDate",
      "gender",
      "areaCode",
      "town",
    ]) {
      expect(TEXT_FIELDS.has(field), field).toBe(true);
    }
  });
});
