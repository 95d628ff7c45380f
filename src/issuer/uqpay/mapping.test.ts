import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SubmitCardholderInput } from "../port.ts";
import {
  CARD_FIELDS,
  CARDHOLDER_FIELDS,
  contractFieldFor,
  DOCUMENT_TYPES,
  fieldsNamedIn,
  MappingError,
  toCreateCardBody,
  toCreateCardholderBody,
  UPSTREAM_TO_CONTRACT,
} from "./mapping.ts";

/** The public contract's cardholder fields, written out independently of mapping.ts. */
const CONTRACT_CARDHOLDER_FIELDS = [
  "email",
  "firstName",
  "lastName",
  "country",
  "mobile",
  "kycDocType",
  "kycIdNumber",
  "docFront",
  "docBack",
  "selfie",
  "kycDob",
  "kycIssueDate",
  "kycExpiryDate",
  "gender",
  "areaCode",
  "town",
];
const CONTRACT_CARD_FIELDS = ["loadAmount", "currency", "card_product_id", "cardId"];

const file = (text: string, mime: "image/png" | "image/jpeg" = "image/png") => ({
  bytes: Buffer.from(text),
  mime,
});

function holder(over: Partial<SubmitCardholderInput> = {}): SubmitCardholderInput {
  return {
    email: "ann@example.com",
    firstName: "Ann Marie",
    lastName: "Lee",
    countryCode: "IN",
    mobile: "9876543210",
    areaCode: "91",
    dateOfBirth: "1990-01-31",
    gender: "FEMALE",
    town: "Pune",
    document: {
      type: "id_card",
      number: "X123",
      issueDate: "2020-01-01",
      expiryDate: "2030-01-01",
      front: file("front"),
      back: file("back"),
      selfie: file("selfie", "image/jpeg"),
    },
    ...over,
  };
}

function at(obj: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

describe("field map", () => {
  it("gives every contract field exactly one rule, and no two fields share a destination", () => {
    const holderNames = CARDHOLDER_FIELDS.map((r) => r.contract);
    const cardNames = CARD_FIELDS.map((r) => r.contract);
    expect([...holderNames].sort()).toEqual([...CONTRACT_CARDHOLDER_FIELDS].sort());
    expect([...cardNames].sort()).toEqual([...CONTRACT_CARD_FIELDS].sort());
    for (const rules of [CARDHOLDER_FIELDS, CARD_FIELDS]) {
      const dests = rules.flatMap((r) => (r.upstream ? [r.upstream] : []));
      expect(new Set(dests).size).toBe(dests.length);
      for (const r of rules) if (!r.upstream) expect(r.note).toMatch(/kept by Cardrail only/);
    }
  });

  it("documents each contract field in exactly one row of the doc table, matching the data", () => {
    const source = readFileSync(new URL("./mapping.ts", import.meta.url), "utf8");
    for (const rule of [...CARDHOLDER_FIELDS, ...CARD_FIELDS]) {
      const rows = source
        .split("\n")
        .filter((l) => new RegExp(`^ \\* \\| ${rule.contract} +\\|`).test(l));
      expect(rows, rule.contract).toHaveLength(1);
      const cells = rows[0]?.split("|").map((c) => c.trim()) ?? [];
      expect(cells[3], rule.contract).toBe(rule.upstream ?? "—");
    }
  });

  it("maps the documented fields to the documented destinations", () => {
    const input = holder();
    const body = toCreateCardholderBody(input);
    const expected: Record<string, unknown> = {
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      country: input.countryCode,
      mobile: input.mobile,
      kycDob: input.dateOfBirth,
      gender: input.gender,
      kycDocType: "ID_CARD",
      kycIdNumber: "X123",
      docFront: Buffer.from("front").toString("base64"),
      docBack: Buffer.from("back").toString("base64"),
      selfie: Buffer.from("selfie").toString("base64"),
    };
    for (const rule of CARDHOLDER_FIELDS) {
      if (rule.upstream)
        expect(at(body, rule.upstream), rule.contract).toEqual(expected[rule.contract]);
    }
    // Cardrail-only fields never leave.
    const json = JSON.stringify(body);
    for (const v of ["Pune", "2020-01-01", "2030-01-01", '"91"']) expect(json).not.toContain(v);
  });

  it("sends names within the upstream rule unchanged (property)", () => {
    const name = fc.stringMatching(/^[A-Za-z](?:[A-Za-z ]{0,38}[A-Za-z])?$/);
    fc.assert(
      fc.property(name, name, (firstName, lastName) => {
        const body = toCreateCardholderBody(holder({ firstName, lastName }));
        expect(body.first_name).toBe(firstName);
        expect(body.last_name).toBe(lastName);
      }),
    );
  });

  it("sends a driving licence as ID_CARD, needing a back side like id_card; a passport does not", () => {
    expect(DOCUMENT_TYPES).toEqual({
      passport: "PASSPORT",
      id_card: "ID_CARD",
      drivers_license: "ID_CARD",
    });
    const base = holder().document;
    const dl = toCreateCardholderBody(holder({ document: { ...base, type: "drivers_license" } }));
    expect(dl.identity?.type).toBe("ID_CARD");
    expect(dl.identity?.back_file).toBeDefined();
    for (const type of ["id_card", "drivers_license"] as const) {
      const { back: _b, ...noBack } = base;
      expect(() => toCreateCardholderBody(holder({ document: { ...noBack, type } }))).toThrow(
        MappingError,
      );
    }
    const { back: _b, selfie: _s, ...front } = base;
    const pp = toCreateCardholderBody(holder({ document: { ...front, type: "passport" } }));
    expect(pp.identity).toEqual({
      type: "PASSPORT",
      number: "X123",
      front_file: Buffer.from("front").toString("base64"),
    });
  });

  it("converts loadAmount minor units to a decimal card_limit and tags our card id", () => {
    const body = toCreateCardBody({
      issuerCardholderId: "h1",
      issuerProductId: "p1",
      currency: "USD",
      amountMinor: 2005n,
      cardRef: "card_1",
    });
    expect(body).toEqual({
      cardholder_id: "h1",
      card_product_id: "p1",
      card_currency: "USD",
      card_limit: 20.05,
      metadata: { cardrail_card_id: "card_1" },
    });
    expect(
      toCreateCardBody({ ...inputCard(), currency: "JPY", amountMinor: 500n }).card_limit,
    ).toBe(500);
    expect(() => toCreateCardBody({ ...inputCard(), currency: "XUSD" })).toThrow(MappingError);
  });

  it("round-trips every USD amount exactly (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n }), (minor) => {
        const limit = toCreateCardBody({ ...inputCard(), amountMinor: minor }).card_limit ?? -1;
        expect(BigInt(Math.round(limit * 100))).toBe(minor);
      }),
    );
  });
});

function inputCard() {
  return {
    issuerCardholderId: "h",
    issuerProductId: "p",
    currency: "USD",
    amountMinor: 1n,
    cardRef: "c",
  };
}

describe("reverse map", () => {
  it("names upstream fields by our contract names", () => {
    expect(UPSTREAM_TO_CONTRACT.get("phone_number")).toBe("mobile");
    expect(contractFieldFor("identity.back_file")).toBe("docBack");
    expect(contractFieldFor("back_file")).toBe("docBack");
    expect(contractFieldFor("cardholder_required_fields.phone_number")).toBe("mobile");
    expect(contractFieldFor("card_limit")).toBe("loadAmount");
    expect(contractFieldFor("nationality")).toBe("nationality");
  });

  it("finds field names in upstream messages without matching inside other words", () => {
    expect(fieldsNamedIn("phone_number is invalid for country IN")).toEqual(["mobile"]);
    expect(fieldsNamedIn("identity.back_file is required when type is ID_CARD").sort()).toEqual([
      "docBack",
    ]);
    expect(fieldsNamedIn("first_name and last_name must be letters").sort()).toEqual([
      "firstName",
      "lastName",
    ]);
    expect(fieldsNamedIn("card_limit must be >= 0.01 for this BIN")).toEqual(["loadAmount"]);
    expect(fieldsNamedIn("my_email_address is odd")).toEqual([]);
    expect(fieldsNamedIn("something went wrong")).toEqual([]);
  });
});
