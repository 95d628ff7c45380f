import swagger from "@fastify/swagger";
import scalar from "@scalar/fastify-api-reference";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { createJsonSchemaTransformObject, jsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";
import { cardholderFieldsSchema } from "../modules/cardholders/fields.ts";
import { documentCorrectionsSchema } from "../modules/cardholders/schemas.ts";
import type { App } from "./types.ts";

/**
 * The OpenAPI 3.1 document, generated from the route schemas (zod → JSON Schema through
 * fastify-type-provider-zod's transform), served at GET /openapi.json and rendered at /docs.
 * `npm run openapi` writes the same document to ./openapi.json; a test fails when they differ.
 */

export const OPENAPI_INFO = {
  title: "Cardrail API",
  version: "0.1.0",
  summary: "Onboard cardholders with KYC and issue virtual prepaid cards.",
  description: [
    "Every `/api/v1` request sends two headers: `X-Api-Key` (the key id, `dk_test_…` or `dk_live_…`) and `X-Access-Key` (its secret, shown once).",
    "Test-mode keys talk to the built-in UQPay simulator; live keys to the configured issuer.",
    "",
    "Errors always have the same shape: `{ success: false, error: { code, message, details? }, requestId }`. Match on `code`; `details` lists each offending field on `validation_error`. Every response carries `X-Request-Id`.",
    "",
    "Send an `Idempotency-Key` on `POST /cards` (and `POST /cardholders`): a retry with the same key and body returns the first outcome (with `Idempotent-Replayed: true`) and never debits twice.",
  ].join("\n"),
  license: { name: "Apache-2.0", identifier: "Apache-2.0" },
};

const KYC_FILE_DESCRIPTION =
  "JPEG, PNG or PDF, judged by its content (not its name or declared type); at most UPLOAD_MAX_FILE_BYTES (2 MB by default)";

const file = (description: string) => ({
  type: "string",
  format: "binary",
  contentMediaType: "application/octet-stream",
  description,
});

/** JSON Schema of a zod object's input side, for a multipart form's text fields. */
function textFields(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return { properties: json.properties ?? {}, required: json.required ?? [] };
}

/** Fields that a document resubmission may correct: the route's own schema's. */
const CORRECTION_FIELDS = Object.keys(documentCorrectionsSchema.shape);

function multipartForms(): Record<string, Record<string, unknown>> {
  const create = textFields(cardholderFieldsSchema);
  const corrections = textFields(documentCorrectionsSchema);
  const files = {
    docFront: file(`Front of the identity document. ${KYC_FILE_DESCRIPTION}`),
    docBack: file(`Back of the identity document (optional). ${KYC_FILE_DESCRIPTION}`),
    selfie: file(`A portrait of the cardholder (optional). ${KYC_FILE_DESCRIPTION}`),
  };
  return {
    "POST /api/v1/cardholders": {
      type: "object",
      description:
        "multipart/form-data. Unknown fields are ignored; a field sent twice is refused. Every problem is reported in one 400.",
      properties: { ...create.properties, ...files },
      required: [...create.required, "docFront"],
      examples: [
        {
          email: "asha.rao@example.com",
          firstName: "Asha",
          lastName: "Rao",
          country: "IN",
          mobile: "9876543210",
          areaCode: "91",
          kycDocType: "passport",
          kycIdNumber: "P1234567",
          kycDob: "1990-04-12",
          kycExpiryDate: "2031-04-11",
          docFront: "(binary: passport.jpg)",
        },
      ],
    },
    "POST /api/v1/cardholders/:holderId/documents": {
      type: "object",
      description: `multipart/form-data. New documents for a cardholder the issuer asked to resubmit; only the document's own fields (${CORRECTION_FIELDS.join(", ")}) may be corrected.`,
      properties: { ...corrections.properties, ...files },
      required: ["docFront"],
      examples: [{ kycIdNumber: "P7654321", docFront: "(binary: passport-new.jpg)" }],
    },
  };
}

const IDEMPOTENCY_KEY_DESCRIPTION =
  "Makes retries safe: the same key with the same body returns the first outcome (header `Idempotent-Replayed: true`) and never acts twice; the same key with another body is refused with 422 `idempotency_key_reused`. 1-255 printable ASCII characters; a UUID is a good choice.";

type TransformInput = Parameters<typeof jsonSchemaTransform>[0] & {
  route: { method: string | string[]; config?: { auth?: boolean } };
};

function transform(input: TransformInput) {
  const result = jsonSchemaTransform(input);
  const schema = { ...(result.schema as Record<string, unknown>) };
  if (schema.hide) return result;
  const url = result.url;
  const method = [input.route.method].flat()[0] ?? "GET";
  // zod drops the root metadata of some bodies (refined objects): carry their examples over.
  const body = schema.body as Record<string, unknown> | undefined;
  const zodBody = (input.schema as { body?: unknown } | undefined)?.body;
  const bodyExamples = zodBody ? z.globalRegistry.get(zodBody as z.ZodType)?.examples : undefined;
  if (body && !body.examples && bodyExamples) schema.body = { ...body, examples: bodyExamples };
  const form = multipartForms()[`${method} ${url}`];
  if (form) {
    schema.body = form;
    schema.consumes = ["multipart/form-data"];
  }
  const headers = schema.headers as { properties?: Record<string, Record<string, unknown>> };
  const idempotencyKey = headers?.properties?.["idempotency-key"];
  if (idempotencyKey) idempotencyKey.description = IDEMPOTENCY_KEY_DESCRIPTION;
  // Every /api/v1 route needs the key pair except the ones that opt out (reveal-token redemption).
  const authenticated = url.startsWith("/api/v1/") && input.route.config?.auth !== false;
  schema.security = authenticated ? [{ ApiKey: [], AccessKey: [] }] : [];
  return { schema, url };
}

/** Registers @fastify/swagger: must come before the routes it documents. */
export async function registerOpenApi(app: App) {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: OPENAPI_INFO,
      servers: [{ url: "http://localhost:3000", description: "Local (npm start)" }],
      tags: [
        { name: "cardholders", description: "Onboarding and KYC" },
        { name: "cards", description: "Virtual cards: issue, look up, reveal" },
        { name: "wallet", description: "The tenant's prepaid balances" },
        { name: "webhooks", description: "Outbound webhooks and the event log" },
        { name: "issuer webhooks", description: "Called by the issuer, not by tenants" },
        { name: "operations", description: "Health, readiness and metrics (no authentication)" },
      ],
      components: {
        securitySchemes: {
          ApiKey: {
            type: "apiKey",
            in: "header",
            name: "X-Api-Key",
            description: "The key's public id: `dk_test_…` (test mode) or `dk_live_…` (live mode).",
          },
          AccessKey: {
            type: "apiKey",
            in: "header",
            name: "X-Access-Key",
            description: "The key's secret (`sk_…`), shown once when the key is created.",
          },
        },
      },
    },
    transform: transform as unknown as typeof jsonSchemaTransform,
    transformObject: createJsonSchemaTransformObject({}),
  });
}

/** The document as served; `app.ready()` must have run. */
export function openApiDocument(app: App): Record<string, unknown> {
  return app.swagger() as unknown as Record<string, unknown>;
}

/**
 * The reference page needs its own inline bootstrap script and styles; the API keeps the strict
 * policy. Everything is loaded from this server: no CDN, no fonts, no proxy.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join("; ");

async function docsHeaders(_request: FastifyRequest, reply: FastifyReply) {
  reply.raw.removeHeader("content-security-policy");
  reply.header("content-security-policy", DOCS_CSP);
}

/** A host header as a browser sends it (name or IPv4 or [IPv6], optional port); anything else is ignored. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The committed document names a placeholder server; the served one names the host it was loaded
 * from, so the reference's samples and "try it" work on any host and port (behind a TLS proxy
 * the scheme is only known when trustProxy is set, so it follows what Fastify reports).
 */
export function servedDocument(app: App, request: FastifyRequest): Record<string, unknown> {
  const document = openApiDocument(app);
  const host = request.host;
  if (!host || !HOST.test(host)) return document;
  return {
    ...document,
    servers: [{ url: `${request.protocol}://${host}`, description: "This server" }],
  };
}

/** GET /openapi.json and the interactive reference at /docs (its JS bundle served from the package). */
export async function registerDocs(app: App, logger: FastifyBaseLogger) {
  app.get("/openapi.json", { schema: { hide: true } }, async (request) =>
    servedDocument(app, request),
  );
  await app.register(scalar, {
    routePrefix: "/docs",
    hooks: { preHandler: docsHeaders },
    configuration: {
      pageTitle: "Cardrail API reference",
      // The document this server serves (with its own host in `servers`), relative so it also
      // works behind a path-rewriting proxy.
      url: "../openapi.json",
      withDefaultFonts: false,
      // Offline and private: no telemetry, no "Ask AI" (it uploads the document to Scalar), no
      // Share/Deploy toolbar, no request proxy on another host, no developer tools.
      telemetry: false,
      agent: { disabled: true },
      showDeveloperTools: "never",
      hideClientButton: true,
      // The bundled script (served at /docs/js/scalar.js), never a CDN.
      cdn: "js/scalar.js",
    },
  });
  logger.debug("API reference at /docs, document at /openapi.json");
}
