import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { decodeJwt } from "jose";
import type { SimSettings } from "./context.ts";
import { RateLimiter } from "./ratelimit.ts";

/** Who may come in: the admin token on /__sim/, and the per-client rate limits elsewhere. */

/** Rate limits are per client: the token call names it, business calls carry it in the JWT. */
function rateKey(clientId: unknown, token: unknown, ip: string): string {
  if (typeof clientId === "string") return clientId;
  if (typeof token === "string") {
    try {
      return String(decodeJwt(token.replace(/^Bearer /, "")).client_id ?? ip);
    } catch {
      return ip;
    }
  }
  return ip;
}

/** Constant-time: hashing first gives both sides the same length. */
function adminAuthorized(header: unknown, token: string): boolean {
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return false;
  const digest = (v: string) => createHash("sha256").update(v).digest();
  return timingSafeEqual(digest(header.slice("Bearer ".length)), digest(token));
}

/** A 401 for an admin request without the admin token; undefined lets it through. */
export function checkAdmin(req: FastifyRequest, reply: FastifyReply, adminToken: string) {
  if (adminAuthorized(req.headers.authorization, adminToken)) return;
  return reply.code(401).send({
    type: "unauthorized",
    code: "unauthorized",
    message: "the simulator's admin API needs authorization: Bearer <admin token>",
  });
}

/** A 429 for a client over its limit (the settings can change at run time); undefined lets it through. */
export function rateLimits(settings: SimSettings, clock: () => number) {
  const limiter = new RateLimiter();
  const tokenLimiter = new RateLimiter();
  const tooMany = (reply: FastifyReply, wait: number) =>
    reply
      .code(429)
      .header("retry-after", String(wait))
      .send({ code: "too_many_requests", message: "too many requests, retry later" });
  return (req: FastifyRequest, reply: FastifyReply) => {
    const who = rateKey(req.headers["x-client-id"], req.headers["x-auth-token"], req.ip);
    // The token endpoint has its own limit (60/min upstream), counted on top of the general one.
    if (req.url.split("?")[0] === "/api/v1/connect/token") {
      const w = tokenLimiter.hit(who, settings.tokenRateLimitPerMinute, clock());
      if (w !== undefined) return tooMany(reply, w);
    }
    const wait = limiter.hit(who, settings.rateLimitPerMinute, clock());
    if (wait !== undefined) return tooMany(reply, wait);
  };
}
