import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument, serializeOpenApi } from "../src/http/openapi-document.ts";

/**
 * `npm run openapi`: writes ./openapi.json from the route schemas. Run it after changing a route;
 * test/e2e/openapi.test.ts fails while the committed file differs from what the server serves.
 */
const target = fileURLToPath(new URL("../openapi.json", import.meta.url));
const document = await buildOpenApiDocument();
await writeFile(target, serializeOpenApi(document));
const paths = Object.keys((document.paths ?? {}) as object).length;
process.stdout.write(`wrote ${target} (${paths} paths)\n`);
