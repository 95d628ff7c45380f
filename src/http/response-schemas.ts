import type { FastifyBaseLogger } from "fastify";
import type { FastifySerializerCompiler } from "fastify/types/schema.js";
import type { z } from "zod";

/** One way a response differs from its schema: where, and zod's code (never the value). */
export interface ResponseMismatch {
  path: string;
  code: string;
}

/** Thrown in strict mode: the error handler logs it (with the paths) and answers a bare 500. */
export class ResponseSchemaError extends Error {
  readonly mismatches: ResponseMismatch[];
  constructor(where: string, mismatches: ResponseMismatch[]) {
    super(
      `The response of ${where} does not match its schema: ${mismatches
        .map((m) => `${m.path || "(body)"} (${m.code})`)
        .join(", ")}`,
    );
    this.name = "ResponseSchemaError";
    this.mismatches = mismatches;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * Fields sent but not in the schema. zod's objects drop unknown keys rather than refuse them, while
 * the document promises `additionalProperties: false`; what zod kept tells which ones it dropped.
 */
function undocumentedFields(sent: unknown, kept: unknown, path: string[] = []): ResponseMismatch[] {
  if (Array.isArray(sent) && Array.isArray(kept)) {
    return sent.flatMap((item, i) => undocumentedFields(item, kept[i], [...path, String(i)]));
  }
  if (!isPlainObject(sent) || !isPlainObject(kept)) return [];
  return Object.entries(sent).flatMap(([key, value]) => {
    // JSON leaves an undefined field out: nothing undocumented is sent.
    if (value === undefined) return [];
    if (!(key in kept)) return [{ path: [...path, key].join("."), code: "unrecognized_keys" }];
    return undocumentedFields(value, kept[key], [...path, key]);
  });
}

/** How `data` differs from `schema`: wrong or missing fields, and fields the schema does not name. */
export function responseMismatches(schema: z.ZodType, data: unknown): ResponseMismatch[] {
  const checked = schema.safeParse(data);
  if (!checked.success) {
    return checked.error.issues.map((i) => ({ path: i.path.join("."), code: i.code }));
  }
  return undocumentedFields(data, checked.data);
}

/**
 * Serializer for routes with `response` schemas. The schemas document the API (they feed the
 * OpenAPI document) and every answer is checked against them. What is sent is always the handler's
 * value as JSON (never zod's parsed copy), so both modes send the same bytes when the answer matches.
 *
 * - By default (production) a mismatch is logged (paths and issue codes only, never values) and the
 *   answer is sent unchanged: a documentation mistake must not turn a real answer into a 500.
 * - `strict` (STRICT_RESPONSE_SCHEMAS, on in the tests) throws instead, so the error handler answers
 *   500 and logs the paths: a test that meets an answer off its contract fails.
 */
export function responseSerializer(
  log: FastifyBaseLogger,
  options: { strict: boolean },
): FastifySerializerCompiler<z.ZodType | unknown> {
  return ({ schema, method, url, httpStatus }) => {
    const zod = schema as Partial<z.ZodType>;
    if (typeof zod.safeParse !== "function") return (data) => JSON.stringify(data);
    const typed = zod as z.ZodType;
    return (data) => {
      const mismatches = responseMismatches(typed, data);
      if (mismatches.length > 0) {
        if (options.strict) {
          throw new ResponseSchemaError(`${method} ${url} ${httpStatus}`, mismatches);
        }
        log.warn(
          { method, route: url, status: httpStatus, issues: mismatches },
          "response does not match its documented schema",
        );
      }
      return JSON.stringify(data);
    };
  };
}
