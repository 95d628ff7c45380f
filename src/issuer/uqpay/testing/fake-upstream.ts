import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";

/**
 * A tiny stand-in for UQPay over real HTTP, for the client's tests: canned handlers per
 * "METHOD /path", every request recorded. Not the simulator (src/simulator/ is the full one).
 */
export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type Handler = (req: FastifyRequest, reply: FastifyReply, n: number) => unknown;

export async function startFakeUpstream() {
  const app = Fastify({ forceCloseConnections: true });
  const calls: Recorded[] = [];
  const handlers = new Map<string, Handler>();
  const counts = new Map<string, number>();
  let tokenSeq = 0;
  handlers.set("POST /api/v1/connect/token", () => {
    tokenSeq++;
    return { auth_token: `h.p${tokenSeq}.s`, expired_at: Math.floor(Date.now() / 1000) + 1800 };
  });

  app.all("/*", async (req, reply) => {
    const path = req.url.split("?")[0] ?? "";
    const key = `${req.method} ${path}`;
    calls.push({ method: req.method, url: req.url, headers: req.headers, body: req.body });
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const h = handlers.get(key);
    if (!h)
      return reply
        .code(404)
        .send({ type: "invalid_request_error", code: "not_found", message: "no route" });
    return h(req, reply, n);
  });

  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}/api`,
    calls,
    /** Requests to one route (path without query). */
    callsTo: (method: string, path: string) =>
      calls.filter((c) => c.method === method && c.url.split("?")[0] === `/api${path}`),
    on(method: string, path: string, h: Handler) {
      handlers.set(`${method} /api${path}`, h);
    },
    close: () => app.close(),
  };
}

/** A fetch that answers from a function, for tests that need no sockets. */
export function cannedFetch(
  answer: (url: string, init: RequestInit) => Response | Promise<Response>,
): (url: string, init: RequestInit) => Promise<Response> {
  return async (url, init) => {
    if (url.endsWith("/v1/connect/token")) {
      return Response.json({
        auth_token: "h.p.s",
        expired_at: Math.floor(Date.now() / 1000) + 1800,
      });
    }
    return answer(url, init);
  };
}
