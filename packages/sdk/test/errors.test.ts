import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CardrailError,
  ERROR_CODES,
  errorFromResponse,
  KycAlreadyDecidedError,
  ValidationError,
} from "../src/index.ts";

/** Every error code any operation of the committed contract declares. */
function contractCodes(): string[] {
  const contract = JSON.parse(
    readFileSync(new URL("../../../openapi.json", import.meta.url), "utf8"),
  ) as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
  const codes = new Set<string>();
  for (const item of Object.values(contract.paths)) {
    for (const operation of Object.values(item)) {
      for (const response of Object.values(operation.responses ?? {})) {
        const schema = (response as { content?: Record<string, { schema?: unknown }> }).content?.[
          "application/json"
        ]?.schema as { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } };
        for (const code of schema?.properties?.error?.properties?.code?.enum ?? []) codes.add(code);
      }
    }
  }
  return [...codes].sort();
}

describe("typed errors", () => {
  it("cover exactly the contract's error codes, each with its own class", () => {
    expect([...ERROR_CODES].sort()).toEqual(contractCodes());
    for (const code of ERROR_CODES) {
      const error = errorFromResponse({ status: 400, code, message: "m" });
      expect(error.code).toBe(code);
      expect(error.constructor).not.toBe(CardrailError);
      expect(error).toBeInstanceOf(CardrailError);
    }
    expect(
      errorFromResponse({ status: 409, code: "kyc_already_decided", message: "m" }),
    ).toBeInstanceOf(KycAlreadyDecidedError);
  });

  it("a code the SDK does not know, even one named like an Object property, is the base class", () => {
    for (const code of [
      "brand_new_code",
      "constructor",
      "toString",
      "__proto__",
      "hasOwnProperty",
    ]) {
      const error = errorFromResponse({ status: 409, code, message: "m" });
      expect(error).toBeInstanceOf(CardrailError);
      expect(error.constructor).toBe(CardrailError);
      expect(error).toMatchObject({ code: "unexpected_response", rawCode: code, status: 409 });
    }
  });

  it("validation details become fields", () => {
    const error = errorFromResponse({
      status: 400,
      code: "validation_error",
      message: "m",
      details: [{ field: "loadAmount", message: "too many decimals" }, "junk"],
    });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual([
      { field: "loadAmount", message: "too many decimals" },
    ]);
  });
});
