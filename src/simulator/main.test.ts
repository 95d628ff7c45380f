import { describe, expect, it } from "vitest";
import { parseEnv } from "./main.ts";

describe("simulator env", () => {
  it("has defaults", () => {
    expect(parseEnv({})).toMatchObject({
      SIM_PORT: 4010,
      SIM_HOST: "127.0.0.1",
      SIM_CLIENT_ID: "sim-client",
      SIM_API_KEY: "sim-key",
    });
  });

  it("lists every bad key at once", () => {
    let message = "";
    try {
      parseEnv({
        SIM_PORT: "nope",
        SIM_SEED: "x",
        SIM_WEBHOOK_URL: "http://127.0.0.1:1/h",
        SIM_FAULTS: "[{",
      });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const key of ["SIM_PORT", "SIM_SEED", "SIM_WEBHOOK_SECRET", "SIM_FAULTS"])
      expect(message).toContain(key);
  });

  it("parses fault rules from SIM_FAULTS", () => {
    const env = parseEnv({
      SIM_FAULTS: JSON.stringify([
        { route: "POST /api/v1/issuing/cards", kind: "timeout", count: 1 },
      ]),
    });
    expect(env.SIM_FAULTS?.[0]).toMatchObject({ kind: "timeout", count: 1 });
  });
});

describe("simulator env: token limit and Bearer strictness", () => {
  it("parses SIM_TOKEN_RATE_LIMIT_PER_MINUTE and SIM_REQUIRE_BEARER", () => {
    expect(
      parseEnv({ SIM_TOKEN_RATE_LIMIT_PER_MINUTE: "60", SIM_REQUIRE_BEARER: "true" }),
    ).toMatchObject({ SIM_TOKEN_RATE_LIMIT_PER_MINUTE: 60, SIM_REQUIRE_BEARER: true });
    expect(() => parseEnv({ SIM_TOKEN_RATE_LIMIT_PER_MINUTE: "0" })).toThrow(
      /SIM_TOKEN_RATE_LIMIT_PER_MINUTE/,
    );
  });
});

describe("simulator env: the sandbox's MCC rule", () => {
  it("parses SIM_SANDBOX_MCC_ONLY (unset: any MCC)", () => {
    expect(parseEnv({}).SIM_SANDBOX_MCC_ONLY).toBeUndefined();
    expect(parseEnv({ SIM_SANDBOX_MCC_ONLY: "true" })).toMatchObject({
      SIM_SANDBOX_MCC_ONLY: true,
    });
    expect(() => parseEnv({ SIM_SANDBOX_MCC_ONLY: "yes" })).toThrow(/SIM_SANDBOX_MCC_ONLY/);
  });
});
