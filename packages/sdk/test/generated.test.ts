import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generatedFile, generateTypes, openapiFile } from "../scripts/generate.ts";

describe("the SDK's generated types", () => {
  it("are what the generator makes from the committed openapi.json now (run `npm run sdk:generate`)", async () => {
    const fresh = await generateTypes(await readFile(openapiFile, "utf8"));
    expect(await readFile(generatedFile, "utf8")).toBe(fresh);
  });

  it("change when openapi.json changes: a new error code reaches the generated union", async () => {
    const contract = JSON.parse(await readFile(openapiFile, "utf8"));
    const conflict =
      contract.paths["/api/v1/cards"].post.responses["409"].content["application/json"].schema;
    conflict.properties.error.properties.code.enum.push("brand_new_code");
    const changed = await generateTypes(JSON.stringify(contract));
    expect(changed).toContain('"brand_new_code"');
    expect(await readFile(generatedFile, "utf8")).not.toContain("brand_new_code");
  });
});
