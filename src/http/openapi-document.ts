import type { FastifyBaseLogger } from "fastify";
import { buildApp } from "../app.ts";
import { configSchema } from "../config.ts";
import { createDb } from "../db/pool.ts";
import { createLogger } from "../logger.ts";
import type { DocumentVault } from "../modules/documents/vault.ts";
import { keyHasher } from "../modules/tenants/api-keys.ts";
import { appSettings } from "./deps.ts";
import { openApiDocument } from "./openapi.ts";

/**
 * The OpenAPI document without a database or an issuer: the app is built (routes and schemas are
 * all the document depends on) but never listens and never queries. Used by `npm run openapi`.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  // A pool connects lazily; nothing here queries it.
  const { db } = createDb("postgres://unused@127.0.0.1:1/unused", 1);
  const unused = () => {
    throw new Error("not available while generating the OpenAPI document");
  };
  const vault = { key: Buffer.alloc(32), store: new Proxy({}, { get: () => unused }) };
  const app = await buildApp(
    {
      db,
      hashKey: keyHasher(undefined),
      issuerFor: () => null,
      webhookSecret: () => null,
      issuerWebhooks: { verify: unused, parse: unused },
      vault: vault as unknown as DocumentVault,
      // The defaults, as with an empty environment: the document does not depend on them.
      settings: appSettings(configSchema.parse({})),
    },
    createLogger("silent") as FastifyBaseLogger,
  );
  try {
    await app.ready();
    return structuredClone(openApiDocument(app));
  } finally {
    await app.close();
    await db.destroy();
  }
}

/** The committed file's text: stable key order as generated, two-space indent, final newline. */
export const serializeOpenApi = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;
