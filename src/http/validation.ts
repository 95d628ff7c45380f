import type { FastifySchemaCompiler } from "fastify";
import type { z } from "zod";
import { type $ZodType, safeParse } from "zod/v4/core";

/**
 * Validation messages in our own words, the same for JSON bodies, query strings, path parameters
 * and multipart forms: a missing field is "required", a wrong type says what is expected. Applied
 * per parse (not through zod's global config), so the in-process simulator keeps UQPay's wording.
 * A message written on the schema itself still wins.
 */

const ARTICLE = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

function expectedTypes(issue: z.core.$ZodRawIssue): string[] {
  if (issue.code === "invalid_type") return [String(issue.expected)];
  if (issue.code === "invalid_union") {
    const nested = (issue as unknown as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
    return [
      ...new Set(
        nested.flatMap((issues) =>
          issues.flatMap((inner) =>
            inner.code === "invalid_type" ? [String(inner.expected)] : [],
          ),
        ),
      ),
    ];
  }
  return [];
}

export function messageFor(issue: z.core.$ZodRawIssue): string | undefined {
  if (
    issue.input === undefined &&
    (issue.code === "invalid_type" || issue.code === "invalid_union")
  ) {
    return "required";
  }
  const types = expectedTypes(issue);
  if (types.length > 0) return `must be ${types.map(ARTICLE).join(" or ")}`;
  if (issue.code === "invalid_value" && "values" in issue) {
    const values = (issue.values as unknown[]).map((value) => JSON.stringify(value));
    return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(", ")}`;
  }
  return undefined;
}

/** One problem as Fastify carries it on `error.validation` (its ajv-shaped entries). */
export interface ValidationEntry {
  instancePath: string;
  message: string;
}

/** Replaces fastify-type-provider-zod's compiler: the same parse, with our messages. */
export const validatorCompiler: FastifySchemaCompiler<$ZodType> =
  ({ schema }) =>
  (data) => {
    const result = safeParse(schema, data, { error: messageFor });
    if (!result.error) return { value: result.data };
    const entries: ValidationEntry[] = result.error.issues.map((issue) => ({
      instancePath: `/${issue.path.join("/")}`,
      message: issue.message,
    }));
    // Fastify accepts the entries themselves as the error and puts them on `error.validation`.
    return { error: entries as unknown as Error };
  };
