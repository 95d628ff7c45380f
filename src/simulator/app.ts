/**
 * The UQPay Card Issuance sandbox simulator: a standalone Fastify app speaking UQPay's v1.6 wire
 * format (see /work/shared/upstream/uqpay-issuing.md). Routes live under /api/v1/… (the client's
 * base URL ends in /api); the admin knobs live under /__sim/ (admin.ts).
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { decodeJwt } from "jose";
import { Accounts } from "./accounts.ts";
import { registerAdminRoutes } from "./admin.ts";
import { Auth } from "./auth.ts";
import { completeOrder, finishCancel, finishCreate } from "./cardflow.ts";
import type { SimContext, SimSettings } from "./context.ts";
import { invalidRequest, SimError } from "./errors.ts";
import { Faults, MALFORMED_BODY } from "./faults.ts";
import { Idempotency, requestHash, validateKey } from "./idempotency.ts";
import { setKycStatus } from "./kyc.ts";
import { seedBalances } from "./ledger.ts";
import { fileStore, Persister, type SnapshotStore } from "./persist.ts";
import { RateLimiter } from "./ratelimit.ts";
import { reqSim } from "./reqstate.ts";
import { deriveSeed, Rng } from "./rng.ts";
import { registerBalanceRoutes } from "./routes/balances.ts";
import { registerCardholderRoutes } from "./routes/cardholders.ts";
import { registerCardRoutes } from "./routes/cards.ts";
import { registerProductRoutes } from "./routes/products.ts";
import { registerSimulationRoutes } from "./routes/simulation.ts";
import { registerTransferRoutes } from "./routes/transfers.ts";
import { Scheduler } from "./scheduler.ts";
import { type KycStatus, SimState } from "./state.ts";
import { Webhooks } from "./webhooks.ts";

export {
  SIM_PRODUCT_DISABLED_49387520,
  SIM_PRODUCT_ENHANCED_46651711,
  SIM_PRODUCT_USD_40963608,
  SIM_PRODUCT_USD_SINGLE_40963608,
} from "./products.ts";

export interface SimulatorOptions {
  clientId: string;
  apiKey: string;
  /** Every /__sim/ (admin) request must carry `authorization: Bearer <adminToken>`. */
  adminToken: string;
  /** KYC review delay, default 1000. */
  reviewDelayMs?: number;
  /** Card PENDING → ACTIVE delay, default 200. */
  cardActivationDelayMs?: number;
  /** Default 1800. */
  tokenTtlSeconds?: number;
  /** Seeds every random choice (ids, card numbers, fault dice). */
  seed?: number;
  /** JSON snapshot: loaded at start, written (debounced ≤250 ms, atomic rename) after mutations and on close. */
  stateFile?: string;
  /** Instead of stateFile: where the snapshot is loaded from and saved to. */
  stateStore?: SnapshotStore;
  webhook?: { url: string; secret: string };
  /** Issuing balance per currency, default { USD: 10_000_000, SGD: 10_000_000 }. */
  initialBalances?: Record<string, number>;
  logger?: boolean;
  /** Card Issuance allows several live tokens (v1.6 quickstart); false = newest token only. Default true. */
  tokensCoexist?: boolean;
  /** Requests per minute per client; default: no limit. */
  rateLimitPerMinute?: number;
  /** POST /v1/connect/token per minute per client (UQPay: 60); default: no limit. Counted on top of rateLimitPerMinute. */
  tokenRateLimitPerMinute?: number;
  /** Refuse a bare JWT in x-auth-token (newest docs: "Bearer " mandatory). Default false: both accepted. */
  requireBearer?: boolean;
  /** PRE_CANCEL → CANCELLED, default 2000 (30 days upstream). */
  preCancelDelayMs?: number;
  /** Update/status/recharge/withdraw orders PROCESSING → SUCCESS, default 100. */
  orderDelayMs?: number;
  /** Clock in ms, for tests; default Date.now. */
  now?: () => number;
}

export interface Simulator {
  app: FastifyInstance;
  ctx: SimContext;
  /** Run every scheduled transition now (KYC reviews, activations…). */
  flush(): number;
  advanceClock(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

const PREFIX_AUTH = ["/api/v1/issuing/", "/api/v1/simulation/"];
const needsAuth = (url: string) => PREFIX_AUTH.some((p) => url.startsWith(p));

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

function sendError(reply: FastifyReply, err: SimError) {
  return reply.code(err.status).type("application/json").send(err.body());
}

export async function buildSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const seed = opts.seed ?? randomInt(0, 2 ** 31);
  let clockOffset = 0;
  const baseNow = opts.now ?? Date.now;
  const clock = () => baseNow() + clockOffset;
  const state = new SimState();
  const rng = new Rng(deriveSeed(seed, 0));
  const faultRng = new Rng(deriveSeed(seed, 1));
  const hookRng = new Rng(deriveSeed(seed, 2));
  state.accountId = rng.uuid();
  const accounts = new Accounts(state);
  if (opts.adminToken.length < 16) throw new Error("adminToken: at least 16 characters");

  const store = opts.stateStore ?? (opts.stateFile ? fileStore(opts.stateFile) : undefined);
  const snapshot = store ? await store.load() : undefined;
  if (snapshot) {
    state.load(snapshot);
    for (const sub of snapshot.subAccounts ?? []) accounts.create(sub.accountId).load(sub);
    rng.state = snapshot.rngState;
  }
  let persister: Persister | undefined;
  const changed = () => persister?.changed();

  const settings: SimSettings = {
    reviewDelayMs: opts.reviewDelayMs ?? 1000,
    cardActivationDelayMs: opts.cardActivationDelayMs ?? 200,
    preCancelDelayMs: opts.preCancelDelayMs ?? 2000,
    orderDelayMs: opts.orderDelayMs ?? 100,
    initialBalances: opts.initialBalances ?? { USD: 10_000_000, SGD: 10_000_000 },
    rateLimitPerMinute: opts.rateLimitPerMinute ?? null,
    tokenRateLimitPerMinute: opts.tokenRateLimitPerMinute ?? null,
    securePermission: true,
  };
  const scheduler = new Scheduler(state, rng, clock, changed, accounts);
  const ctx: SimContext = {
    settings,
    get state() {
      return accounts.current();
    },
    accounts,
    rng,
    clock,
    scheduler,
    // Stamped with the real clock, not the moved one: x-wk-timestamp is checked against the
    // receiver's own clock (the SDKs allow 300 s), as a real sender's would be.
    webhooks: new Webhooks(opts.webhook ? { ...opts.webhook } : undefined, hookRng, baseNow),
    auth: new Auth(
      {
        clientId: opts.clientId,
        apiKey: opts.apiKey,
        ttlSeconds: opts.tokenTtlSeconds ?? 1800,
        accountId: state.accountId,
        tokensCoexist: opts.tokensCoexist ?? true,
        requireBearer: opts.requireBearer ?? false,
      },
      clock,
    ),
    idem: new Idempotency(state, clock),
    faults: new Faults(faultRng),
    changed,
  };
  if (store) persister = new Persister(store, () => snapshotAll());

  // Jobs run in their account's scope (Scheduler), so ctx.state is that account's data.
  scheduler.on("kyc", (job) => {
    const ch = ctx.state.cardholders.get(job.ref);
    if (ch) setKycStatus(ctx, ch, (job.data?.status as KycStatus | undefined) ?? "SUCCESS");
  });
  scheduler.on("card_activate", (job) => {
    const card = ctx.state.cards.get(job.ref);
    if (card) finishCreate(ctx, card);
  });
  scheduler.on("order_complete", (job) => {
    const order = ctx.state.orders.get(job.ref);
    if (order) completeOrder(ctx, order);
  });
  scheduler.on("card_cancel", (job) => {
    const card = ctx.state.cards.get(job.ref);
    if (card) finishCancel(ctx, card, String(job.data?.order_id ?? card.create_order_id));
  });
  if (!snapshot) seedBalances(ctx);
  scheduler.restore();

  const app = Fastify({
    logger: opts.logger
      ? { redact: ["req.headers['x-api-key']", "req.headers['x-auth-token']"] }
      : false,
    bodyLimit: 16 * 1024 * 1024,
    // A "timeout" fault holds sockets open; closing must not wait for them.
    forceCloseConnections: true,
  });
  const heldSockets = new Set<Socket>();
  const hang = (req: FastifyRequest) => {
    heldSockets.add(req.raw.socket);
    return new Promise<never>(() => {});
  };
  const limiter = new RateLimiter();
  const tokenLimiter = new RateLimiter();
  const tooMany = (reply: FastifyReply, wait: number) =>
    reply
      .code(429)
      .header("retry-after", String(wait))
      .send({ code: "too_many_requests", message: "too many requests, retry later" });

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

  // Every request runs in an account scope (master until x-on-behalf-of names a sub-account).
  app.addHook("onRequest", (_req, _reply, done) => accounts.enter(done));
  app.addHook("onRequest", async (req, reply) => {
    if (req.url.startsWith("/__sim")) {
      if (adminAuthorized(req.headers.authorization, opts.adminToken)) return;
      return reply.code(401).send({
        type: "unauthorized",
        code: "unauthorized",
        message: "the simulator's admin API needs authorization: Bearer <admin token>",
      });
    }
    const who = rateKey(req.headers["x-client-id"], req.headers["x-auth-token"], req.ip);
    // The token endpoint has its own limit (60/min upstream), counted on top of the general one.
    if (req.url.split("?")[0] === "/api/v1/connect/token") {
      const w = tokenLimiter.hit(who, settings.tokenRateLimitPerMinute, clock());
      if (w !== undefined) return tooMany(reply, w);
    }
    const wait = limiter.hit(who, settings.rateLimitPerMinute, clock());
    if (wait !== undefined) return tooMany(reply, wait);
    const { latencyMs, fault } = ctx.faults.decide(
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
        return hang(req);
      case "reset":
        req.raw.socket.destroy();
        return hang(req);
    }
  });

  app.addHook("preHandler", async (req, reply) => {
    if (!needsAuth(req.url) || req.is404) return;
    const claims = await ctx.auth.verify(req.headers["x-auth-token"] as string | undefined);
    const onBehalf = req.headers["x-on-behalf-of"];
    // Missing or empty: the master account. Anything else must name a sub-account created here.
    if (typeof onBehalf === "string" && onBehalf !== "") {
      if (!accounts.subs.has(onBehalf))
        throw new SimError(
          "account_error",
          "sub_account_not_found",
          "x-on-behalf-of: sub-account not found",
        );
      accounts.select(onBehalf);
    }
    if (req.method !== "POST") return;
    const key = validateKey(req.headers["x-idempotency-key"] as string | undefined);
    const decision = ctx.idem.begin(
      // Keys are scoped per account too: one account's replay never answers another's request.
      `${claims.client_id}/${accounts.currentId() ?? ""}`,
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
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const sim = reqSim(req.raw);
    if (sim.onSendDone) return payload;
    sim.onSendDone = true;
    if (sim.idemScope) {
      const body =
        typeof payload === "string"
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString("utf8")
            : "";
      ctx.idem.finish(
        sim.idemScope,
        reply.statusCode,
        body,
        String(reply.getHeader("content-type") ?? "application/json"),
      );
    }
    const fault = sim.fault;
    if (!fault?.afterCommit || sim.replayed) return payload;
    switch (fault.kind) {
      case "timeout":
        return hang(req);
      case "reset":
        req.raw.socket.destroy();
        return hang(req);
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
  });

  app.addHook("onResponse", async (req) => {
    if (req.method !== "GET") changed();
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

  app.post("/api/v1/connect/token", async (req) =>
    ctx.auth.issue(
      req.headers["x-client-id"] as string | undefined,
      req.headers["x-api-key"] as string | undefined,
    ),
  );
  registerCardholderRoutes(app, ctx);
  registerProductRoutes(app);
  registerCardRoutes(app, ctx);
  registerBalanceRoutes(app, ctx);
  registerSimulationRoutes(app, ctx);
  registerTransferRoutes(app, ctx);

  // Sub-accounts survive a reset (their holders, e.g. Cardrail, keep their ids); their data goes.
  const reset = () => {
    scheduler.clearTimers();
    ctx.faults.clear();
    ctx.webhooks.reset();
    for (const [id, sub] of [[undefined, state] as const, ...accounts.subs])
      accounts.run(id, () => {
        sub.clear();
        seedBalances(ctx);
      });
    changed();
  };
  const createSubAccount = (): string => {
    const id = rng.uuid();
    accounts.create(id);
    accounts.run(id, () => seedBalances(ctx));
    changed();
    return id;
  };
  const advanceClock = (ms: number) => {
    clockOffset += ms;
  };
  registerAdminRoutes(app, ctx, { reset, advanceClock, createSubAccount });

  const sweep = setInterval(() => ctx.idem.sweep(), 60_000);
  sweep.unref();

  function snapshotAll() {
    return {
      ...state.toSnapshot(rng.state),
      subAccounts: [...accounts.subs.values()].map((sub) => sub.toSnapshot(rng.state)),
    };
  }

  let closed = false;
  return {
    app,
    ctx,
    flush: () => scheduler.flush(),
    advanceClock,
    reset,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      scheduler.close();
      ctx.webhooks.close();
      for (const s of heldSockets) s.destroy();
      await app.close();
      await persister?.flush();
    },
  };
}
