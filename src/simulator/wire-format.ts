import type { FastifyInstance, FastifyReply } from "fastify";
import type { SimContext } from "./context.ts";
import { invalidRequest, SimError } from "./errors.ts";
import { reqSim } from "./reqstate.ts";

/** How the simulator reads request bodies and answers errors and unknown routes, as UQPay does. */

function sendError(reply: FastifyReply, err: SimError) {
  return reply.code(err.status).type("application/json").send(err.body());
}

export function registerWireFormat(app: FastifyInstance, ctx: SimContext): void {
  // Token requests carry no body; accept an empty JSON body anywhere instead of failing.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(invalidRequest("request body is not valid JSON"), undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const sim = reqSim(req.raw);
    if (err instanceof SimError) return sendError(reply, err);
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode === 413)
      return sendError(reply, invalidRequest("request body is too large", "request_too_large"));
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
      return sendError(reply, invalidRequest(e.message ?? "bad request"));
    req.log.error({ err }, "simulator error");
    if (sim.idemScope) ctx.idem.abandon(sim.idemScope);
    return sendError(reply, new SimError("api_error", "api_error", "internal server error"));
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      type: "invalid_request_error",
      code: "not_found",
      message: `route ${req.method} ${req.url.split("?")[0]} not found`,
    }),
  );
}
