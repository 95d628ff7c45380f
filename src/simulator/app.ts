/**
 * The UQPay Card Issuance sandbox simulator: a standalone Fastify app speaking UQPay's v1.6 wire
 * format (where our fact sheet is silent or unsure, FIDELITY.md says what it does). Routes live
 * under /api/v1/… (the client's base URL ends in /api); the admin knobs live under /__sim/
 * (admin.ts). This file composes the app; the gate, fault and idempotency hooks have their own.
 */
import { randomInt } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { Accounts } from "./accounts.ts";
import { registerAdminRoutes } from "./admin.ts";
import { Auth } from "./auth.ts";
import { completeOrder, finishCancel, finishCreate } from "./cardflow.ts";
import type { SimContext, SimSettings } from "./context.ts";
import { FaultHooks } from "./fault-hooks.ts";
import { Faults } from "./faults.ts";
import { checkAdmin, rateLimits } from "./gate.ts";
import { Idempotency } from "./idempotency.ts";
import { authenticateAndReplay, recordAnswer } from "./idempotency-hooks.ts";
import { setKycStatus } from "./kyc.ts";
import { seedBalances } from "./ledger.ts";
import { fileStore, Persister, type SnapshotStore } from "./persist.ts";
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
import { registerWireFormat } from "./wire-format.ts";

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
  /** Simulated authorizations take MCC 5734 only (UQPay's public sandbox rule). Default false: any MCC. */
  sandboxMccOnly?: boolean;
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
    sandboxMccOnly: opts.sandboxMccOnly ?? false,
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
  const faults = new FaultHooks(ctx);
  const overLimit = rateLimits(settings, clock);

  registerWireFormat(app, ctx);

  // Every request runs in an account scope (master until x-on-behalf-of names a sub-account).
  app.addHook("onRequest", (_req, _reply, done) => accounts.enter(done));
  app.addHook("onRequest", async (req, reply) => {
    if (req.url.startsWith("/__sim")) return checkAdmin(req, reply, opts.adminToken);
    return overLimit(req, reply) ?? faults.beforeHandler(req, reply);
  });

  app.addHook("preHandler", async (req, reply) => {
    if (!needsAuth(req.url) || req.is404) return;
    return authenticateAndReplay(ctx, req, reply);
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const sim = reqSim(req.raw);
    if (sim.onSendDone) return payload;
    sim.onSendDone = true;
    recordAnswer(ctx, req, reply, payload);
    return faults.afterCommit(req, reply, payload);
  });

  app.addHook("onResponse", async (req) => {
    if (req.method !== "GET") changed();
  });

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
      faults.close();
      await app.close();
      await persister?.flush();
    },
  };
}
