import type { FastifyBaseLogger } from "fastify";
import type { FastifySerializerCompiler } from "fastify/types/schema.js";
import type { z } from "zod";

/**
 * Serializer for routes with `response` schemas. The schemas exist to document the API (they feed
 * the OpenAPI document); a response that does not match its schema is still sent unchanged, and
 * the mismatch is logged (paths and issue codes only, never values) so the drift gets fixed. A
 * documentation mistake must never turn a real answer into a 500.
 */
export function documentingSerializer(
  log: FastifyBaseLogger,
): FastifySerializerCompiler<z.ZodType | unknown> {
  return ({ schema, method, url, httpStatus }) =>
    (data) => {
      const zod = schema as Partial<z.ZodType>;
      if (typeof zod.safeParse === "function") {
        const checked = zod.safeParse(data);
        if (!checked.success) {
          log.warn(
            {
              method,
              route: url,
              status: httpStatus,
              issues: checked.error.issues.map((i) => ({ path: i.path.join("."), code: i.code })),
            },
            "response does not match its documented schema",
          );
        }
      }
      return JSON.stringify(data);
    };
}
