import type { FastifyReply, FastifyRequest } from "fastify";
import type { CardrailError } from "../core/errors.ts";
import { errorStatus } from "./error-status.ts";

/** The contract's error body: `{ success: false, error: { code, message, details }, requestId }`. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: CardrailError) {
  if (error.replayed) reply.header("idempotent-replayed", "true");
  if (error.retryAfterSeconds !== undefined)
    reply.header("retry-after", String(error.retryAfterSeconds));
  return reply.status(errorStatus[error.code]).send({
    success: false,
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
    // A replay is the first answer, requestId included; its X-Request-Id header names this request.
    requestId: error.originalRequestId ?? request.id,
  });
}
