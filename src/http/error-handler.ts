import type { FastifyError } from "fastify";
import { CardrailError, validationError } from "../core/errors.ts";
import { sendError } from "./envelope.ts";
import type { App } from "./types.ts";
import type { ValidationEntry } from "./validation.ts";

/**
 * Turns every failure into the contract's envelope. Known client mistakes become 4xx naming the
 * field; anything unexpected is logged with its stack and answered with a bare 500 that echoes no
 * internals (a 500 is always a bug).
 */
export function registerErrorHandling(app: App) {
  app.setErrorHandler((error: FastifyError | CardrailError | Error, request, reply) => {
    const translated = translateError(error, request.headers["content-type"]);
    if (translated.code === "internal_error") {
      request.log.error({ err: error }, "unhandled error");
    }
    return sendError(request, reply, translated);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      // The path is not echoed: callers put ids (and, by mistake, card numbers) in URLs.
      new CardrailError("not_found", `No route matches this ${request.method} request; see /docs`),
    ),
  );
}

/** The one body type every route takes unless it reads multipart itself (and says so). */
const mediaTypeError = (sent: string | undefined) =>
  new CardrailError(
    "unsupported_media_type",
    `This endpoint takes application/json${sent ? ` (sent: ${sent.split(";")[0]?.trim().slice(0, 100)})` : ""}`,
  );

export function translateError(error: unknown, contentType?: string): CardrailError {
  if (error instanceof CardrailError) return error;
  const validation = (error as { validation?: ValidationEntry[] }).validation;
  if (Array.isArray(validation) && validation.length > 0) {
    const context = (error as { validationContext?: string }).validationContext ?? "body";
    return validationError(
      validation.map((issue) => ({
        field: issue.instancePath.replace(/^\//, "").replaceAll("/", ".") || context,
        message: issue.message ?? "invalid",
      })),
    );
  }
  const code = (error as FastifyError).code;
  switch (code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return validationError([{ field: "body", message: "must be valid JSON" }]);
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new CardrailError("payload_too_large", "The request body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_INVALID_MULTIPART_CONTENT_TYPE":
      return mediaTypeError(contentType);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return validationError([
        { field: "body", message: "body size does not match Content-Length" },
      ]);
  }
  const status = (error as FastifyError).statusCode;
  if (status === 429) return new CardrailError("rate_limited", "Too many requests", undefined, 1);
  if (status === 413)
    return new CardrailError("payload_too_large", "The request body is too large");
  if (status === 415) return mediaTypeError(contentType);
  if (status !== undefined && status >= 400 && status < 500) {
    // Other framework-level client errors (malformed headers, bad URL encoding): say so, name no internals.
    return validationError([{ field: "request", message: (error as Error).message }]);
  }
  return new CardrailError(
    "internal_error",
    "Internal error; it has been logged with this requestId",
  );
}
