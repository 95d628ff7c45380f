import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Cross-origin access for exactly one route, GET /api/v1/cards/reveal?token=…: a cardholder's
 * browser, on a page of the tenant's site, fetches its card details straight from Cardrail so they
 * never pass through the tenant's servers. Only the configured origins (REVEAL_ALLOWED_ORIGINS)
 * may read the answer or frame it; no credentials are involved (the single-use token is the
 * credential), so the answer never allows cookies.
 */

export function revealCors(allowed: readonly string[]) {
  const origins = new Set(allowed);
  const frameAncestors = allowed.length > 0 ? allowed.join(" ") : "'none'";

  /** Headers for the answer (and the preflight) to a request from `Origin`. */
  function apply(request: FastifyRequest, reply: FastifyReply) {
    // Caches must keep one answer per Origin, since whether it may be read depends on it.
    reply.header("vary", "Origin");
    const origin = request.headers.origin;
    // The page may frame the answer only from an allowed origin (helmet's default is 'self').
    reply.header(
      "content-security-policy",
      `default-src 'none'; frame-ancestors ${frameAncestors}`,
    );
    reply.removeHeader("x-frame-options");
    if (typeof origin !== "string" || !origins.has(origin)) return false;
    reply.header("access-control-allow-origin", origin);
    reply.header("cross-origin-resource-policy", "cross-origin");
    return true;
  }

  return {
    apply,
    /** The preflight a browser may send first: 204, with the CORS headers only for an allowed origin. */
    preflight(request: FastifyRequest, reply: FastifyReply) {
      if (apply(request, reply)) {
        reply.header("access-control-allow-methods", "GET");
        reply.header("access-control-allow-headers", "x-request-id");
        reply.header("access-control-max-age", "600");
      }
      return reply.status(204).send();
    },
  };
}
