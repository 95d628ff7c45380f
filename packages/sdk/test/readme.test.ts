import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config.ts";
import { ERROR_CODES, errorFromResponse, OPERATIONS } from "../src/index.ts";

/** The SDK README states only what these tests check against the code and the contract. */
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const contract = JSON.parse(
  readFileSync(new URL("../../../openapi.json", import.meta.url), "utf8"),
) as {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
};
const MiB = 1024 * 1024;

/** The rows of the README table whose header row starts with `| first |`. */
function table(first: string): string[][] {
  const lines = readme.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  expect(start, `a table starting "| ${first} |"`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(" | ")
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe("the SDK README", () => {
  it("states the server's default upload limits, from the constants the server uses", () => {
    const perFile = configSchema.shape.UPLOAD_MAX_FILE_BYTES.parse(undefined);
    const perRequest = configSchema.shape.UPLOAD_MAX_TOTAL_BYTES.parse(undefined);
    const stated = readme.match(/(\d+) MiB per file and (\d+) MiB per request by default/);
    expect(stated, "the limits sentence").not.toBeNull();
    expect(Number(stated?.[1]) * MiB).toBe(perFile);
    expect(Number(stated?.[2]) * MiB).toBe(perRequest);
  });

  it("lists every operation with the method that calls it", () => {
    const rows = table("method").map(([method, operation]) => [
      operation?.replace(/`/g, "").replace(" /", " /api/v1/"),
      method?.match(/^`([a-zA-Z]+\.[a-zA-Z]+)\(/)?.[1],
    ]);
    expect(Object.fromEntries(rows)).toEqual(OPERATIONS);
  });

  it("names exactly the methods whose operations take an Idempotency-Key", () => {
    const line = readme.match(/^Sends an `Idempotency-Key`: (.+)\.$/m);
    expect(line, "the Idempotency-Key sentence").not.toBeNull();
    const stated = [...(line?.[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
    const keyed = Object.entries(contract.paths)
      .filter(([path]) => path.startsWith("/api/v1/"))
      .flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) =>
            op.parameters?.some((p) => p.in === "header" && p.name === "idempotency-key"),
          )
          .map(([method]) => `${method.toUpperCase()} ${path}` as keyof typeof OPERATIONS),
      );
    expect(stated).toEqual(keyed.map((op) => OPERATIONS[op]).sort());
  });

  it("has one error row per code of the contract, with its class and status", () => {
    const rows = table("class");
    expect(rows.map((r) => r[2]?.replace(/`/g, "")).sort()).toEqual([...ERROR_CODES].sort());
    for (const [klass, status, code] of rows) {
      const name = klass?.match(/^`(\w+)`/)?.[1];
      const error = errorFromResponse({
        status: 0,
        code: code?.replace(/`/g, "") ?? "",
        message: "",
      });
      expect(error.name, code).toBe(name);
      // The status is the one the contract declares for that code.
      const statuses = new Set<string>();
      for (const item of Object.values(contract.paths) as Record<
        string,
        {
          responses?: Record<
            string,
            {
              content?: Record<
                string,
                {
                  schema?: {
                    properties?: { error?: { properties?: { code?: { enum?: string[] } } } };
                  };
                }
              >;
            }
          >;
        }
      >[]) {
        for (const op of Object.values(item)) {
          for (const [s, r] of Object.entries(op.responses ?? {})) {
            const codes =
              r.content?.["application/json"]?.schema?.properties?.error?.properties?.code?.enum;
            if (codes?.includes(error.code)) statuses.add(s);
          }
        }
      }
      expect([...statuses], code).toEqual([status]);
    }
  });
});
