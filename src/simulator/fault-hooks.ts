import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { SimContext } from "./context.ts";
import { MALFORMED_BODY } from "./faults.ts";
import { reqSim } from "./reqstate.ts";

/**
 * Injected faults (admin.ts arms them): before the handler, a fault answers instead of the route;
 * an after-commit fault lets the route do its work, then spoils the answer on the way out.
 */
export class FaultHooks {
  /** A "timeout" fault holds sockets open; close() drops them so closing never waits. */
  private readonly held = new Set<Socket>();

  constructor(private readonly ctx: SimContext) {}

  private hang(req: FastifyRequest): Promise<never> {
    this.held.add(req.raw.socket);
    return new Promise<never>(() => {});
  }

  /** onRequest: the added latency, then a fault that answers in place of the route. */
  async beforeHandler(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const { latencyMs, fault } = this.ctx.faults.decide(
      req.method,
      req.routeOptions.url ?? "",
      req.url.split("?")[0] ?? "",
    );
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (!fault) return;
    reqSim(req.raw).fault = fault;
    if (fault.afterCommit || fault.kind === "fail_after_success") return;
    switch (fault.kind) {
      case "500":
        return reply.code(500).send({
          type: "api_error",
          code: "api_error",
          message: "internal server error (simulated)",
        });
      case "503":
        return reply.code(503).send({
          type: "api_error",
          code: "service_unavailable",
          message: "service unavailable (simulated)",
        });
      case "429":
        return reply
          .code(429)
          .header("retry-after", String(fault.retryAfterSeconds))
          .send({ code: "too_many_requests", message: "too many requests (simulated)" });
      case "malformed":
        return reply.code(200).type("application/json").send(MALFORMED_BODY);
      case "timeout":
        return this.hang(req);
      case "reset":
        req.raw.socket.destroy();
        return this.hang(req);
    }
  }

  /** onSend: the payload an after-commit fault sends instead (a replay is never spoiled). */
  afterCommit(req: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
    const sim = reqSim(req.raw);
    const fault = sim.fault;
    if (!fault?.afterCommit || sim.replayed) return payload;
    switch (fault.kind) {
      case "timeout":
        return this.hang(req);
      case "reset":
        req.raw.socket.destroy();
        return this.hang(req);
      case "malformed":
        reply.code(200);
        return MALFORMED_BODY;
      case "500":
        reply.code(500);
        return JSON.stringify({
          type: "api_error",
          code: "api_error",
          message: "internal server error (simulated)",
        });
      case "503":
        reply.code(503);
        return JSON.stringify({
          type: "api_error",
          code: "service_unavailable",
          message: "service unavailable (simulated)",
        });
      case "429":
        reply.code(429).header("retry-after", String(fault.retryAfterSeconds));
        return JSON.stringify({
          code: "too_many_requests",
          message: "too many requests (simulated)",
        });
      default:
        return payload;
    }
  }

  close(): void {
    for (const s of this.held) s.destroy();
  }
}
