import type { FastifyReply, FastifyRequest } from "fastify";
import type { SimContext } from "./context.ts";
import { SimError } from "./errors.ts";
import { requestHash, validateKey } from "./idempotency.ts";
import { reqSim } from "./reqstate.ts";

/**
 * preHandler of an authenticated business call: checks the token, enters the account named by
 * x-on-behalf-of, and for a POST either replays the stored answer to its x-idempotency-key or
 * marks the request so recordAnswer stores its answer.
 */
export async function authenticateAndReplay(
  ctx: SimContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const claims = await ctx.auth.verify(req.headers["x-auth-token"] as string | undefined);
  const onBehalf = req.headers["x-on-behalf-of"];
  // Missing or empty: the master account. Anything else must name a sub-account created here.
  if (typeof onBehalf === "string" && onBehalf !== "") {
    if (!ctx.accounts.subs.has(onBehalf))
      throw new SimError(
        "account_error",
        "sub_account_not_found",
        "x-on-behalf-of: sub-account not found",
      );
    ctx.accounts.select(onBehalf);
  }
  if (req.method !== "POST") return;
  const key = validateKey(req.headers["x-idempotency-key"] as string | undefined);
  const decision = ctx.idem.begin(
    // Keys are scoped per account too: one account's replay never answers another's request.
    `${claims.client_id}/${ctx.accounts.currentId() ?? ""}`,
    key,
    requestHash(req.method, req.url, req.body),
  );
  const sim = reqSim(req.raw);
  if (decision.kind === "replay") {
    sim.replayed = true;
    return reply
      .code(decision.entry.status)
      .type(decision.entry.contentType || "application/json")
      .send(decision.entry.body);
  }
  sim.idemScope = decision.scopeKey;
}

/** onSend: stores the answer of a request authenticateAndReplay marked, for its replays. */
export function recordAnswer(
  ctx: SimContext,
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): void {
  const scope = reqSim(req.raw).idemScope;
  if (!scope) return;
  const body =
    typeof payload === "string"
      ? payload
      : Buffer.isBuffer(payload)
        ? payload.toString("utf8")
        : "";
  ctx.idem.finish(
    scope,
    reply.statusCode,
    body,
    String(reply.getHeader("content-type") ?? "application/json"),
  );
}
