import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../src/core/errors.ts";
import { errorStatus } from "../../src/http/error-status.ts";
import { startCardrail, type TestCardrail } from "../fixtures/cardrail.ts";

/**
 * The drift check: the document the server serves must equal the committed ./openapi.json, and it
 * must be a structurally sound OpenAPI 3.1 document. Also the /docs page, served without a CDN.
 */

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = any;

let cardrail: TestCardrail;
let served: Json;

beforeAll(async () => {
  cardrail = await startCardrail();
  const response = await fetch(`${cardrail.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  served = await response.json();
});
afterAll(() => cardrail?.close());

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

function operations(document: Json): { method: string; path: string; op: Json }[] {
  return Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] })),
  );
}

function resolvePointer(document: Json, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: Json = document;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object" || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

function collectRefs(node: Json, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") found.push(value);
      else collectRefs(value, found);
    }
  }
  return found;
}

const jsonExample = (media: Json) =>
  media?.example ?? media?.examples ?? media?.schema?.examples ?? media?.schema?.example;

describe("openapi.json", () => {
  it("is what the server serves (run `npm run openapi` after changing a route)", async () => {
    const committed = JSON.parse(
      await readFile(new URL("../../openapi.json", import.meta.url), "utf8"),
    );
    // The served document names the host it was loaded from; the committed one a placeholder.
    expect(served.servers).toEqual([{ url: cardrail.url, description: "This server" }]);
    expect(
      { ...served, servers: committed.servers },
      "openapi.json is out of date: run `npm run openapi` (or `npx tsx scripts/openapi.ts`) and commit the result",
    ).toEqual(committed);
  });

  it("is structurally OpenAPI 3.1: info, paths, operations with responses, every $ref resolving", () => {
    expect(served.openapi).toMatch(/^3\.1\.\d+$/);
    expect(served.info.title).toBeTruthy();
    expect(served.info.version).toBeTruthy();
    expect(served.servers.length).toBeGreaterThan(0);
    const ops = operations(served);
    expect(ops.length).toBeGreaterThanOrEqual(15);
    for (const { method, path, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(Object.keys(op.responses ?? {}).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description, `${where} ${status}`).toBe("string");
      }
      // Path templates and path parameters agree.
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? [])
        .filter((p: Json) => p.in === "path")
        .map((p: Json) => p.name)
        .sort();
      expect(declared, where).toEqual(templated);
    }
    const refs = collectRefs(served);
    for (const ref of refs) expect(resolvePointer(served, ref), ref).toBeDefined();
  });

  it("documents both auth headers on every /api/v1 operation but reveal-token redemption", () => {
    expect(served.components.securitySchemes.ApiKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-Api-Key",
    });
    expect(served.components.securitySchemes.AccessKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-Access-Key",
    });
    for (const { method, path, op } of operations(served)) {
      if (!path.startsWith("/api/v1/")) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (method === "get" && path === "/api/v1/cards/reveal") {
        expect(op.security, where).toEqual([]);
      } else {
        expect(op.security, where).toEqual([{ ApiKey: [], AccessKey: [] }]);
        expect(op.responses["401"], where).toBeDefined();
      }
    }
  });

  it("gives every /api/v1 operation an example request and response, and its errors in the envelope", () => {
    const statusOf = errorStatus as Record<string, number>;
    for (const { method, path, op } of operations(served)) {
      if (!path.startsWith("/api/v1/")) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const success = Object.entries(op.responses as Record<string, Json>).find(([s]) =>
        s.startsWith("2"),
      );
      expect(success, where).toBeDefined();
      expect(jsonExample(success?.[1].content?.["application/json"]), where).toBeDefined();
      if (op.requestBody) {
        const media = Object.values(op.requestBody.content as Record<string, Json>)[0];
        expect(jsonExample(media), `${where} request body`).toBeDefined();
      }
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (!/^[45]/.test(status)) continue;
        const schema = response.content["application/json"].schema;
        expect(schema.required, `${where} ${status}`).toEqual(["success", "error", "requestId"]);
        const codes: ErrorCode[] = schema.properties.error.properties.code.enum;
        expect(codes.length, `${where} ${status}`).toBeGreaterThan(0);
        // Each code documented under the status error-status.ts really answers it with.
        for (const code of codes) expect(statusOf[code], `${where} ${code}`).toBe(Number(status));
        expect(
          jsonExample(response.content["application/json"]),
          `${where} ${status}`,
        ).toMatchObject({ success: false, error: { code: codes[0] } });
      }
    }
  });

  it("documents Idempotency-Key on POST /cards and the multipart bodies of the KYC uploads", () => {
    const issue = served.paths["/api/v1/cards"].post;
    expect(issue.parameters).toContainEqual(
      expect.objectContaining({ in: "header", name: "idempotency-key", required: false }),
    );
    expect(issue.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["holderId", "card_product_id", "currency", "loadAmount"]),
    );
    for (const code of ["insufficient_balance", "idempotency_key_reused"]) {
      const status = String(errorStatus[code as ErrorCode]);
      expect(
        issue.responses[status].content["application/json"].schema.properties.error.properties.code
          .enum,
      ).toContain(code);
    }

    const create =
      served.paths["/api/v1/cardholders"].post.requestBody.content["multipart/form-data"];
    expect(create.schema.required).toEqual(
      expect.arrayContaining([
        "email",
        "firstName",
        "lastName",
        "country",
        "mobile",
        "kycDocType",
        "kycIdNumber",
        "docFront",
      ]),
    );
    expect(create.schema.required).not.toContain("docBack");
    expect(create.schema.properties.docFront).toMatchObject({ type: "string", format: "binary" });
    expect(create.schema.properties.kycDocType.enum).toEqual([
      "passport",
      "id_card",
      "drivers_license",
    ]);
    const resubmit =
      served.paths["/api/v1/cardholders/{holderId}/documents"].post.requestBody.content[
        "multipart/form-data"
      ];
    expect(resubmit.schema.required).toEqual(["docFront"]);
    expect(Object.keys(resubmit.schema.properties)).not.toContain("email");
  });
});

describe("/docs", () => {
  it("serves an interactive reference whose script comes from this server, not a CDN", async () => {
    const redirect = await fetch(`${cardrail.url}/docs`, { redirect: "manual" });
    expect(redirect.status).toBe(301);

    const page = await fetch(`${cardrail.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/https?:/);
    const html = await page.text();
    const sources = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(["js/scalar.js"]);
    expect(html).not.toMatch(/cdn\.jsdelivr|unpkg|fonts\.scalar/);

    const script = await fetch(new URL(sources[0] as string, `${cardrail.url}/docs/`));
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100_000);

    // The page loads the document /openapi.json serves (relative, so it works behind a proxy).
    expect(html).toContain("../openapi.json");
  });
});
