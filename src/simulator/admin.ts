/**
 * Admin API of the simulator, under /__sim/ (never part of UQPay's surface). Every request needs
 * `authorization: Bearer <admin token>` (the simulator's `adminToken`; app.ts checks it).
 *
 *   POST   /__sim/sub-accounts           create an activated Issuing sub-account → {account_id}
 *                                        (UQPay documents no creation API; see FIDELITY.md)
 *   GET    /__sim/sub-accounts           {accounts:[account_id…]}
 *
 *   GET    /__sim/state                  counts over every account: cardholders, cards (by status),
 *                                        orders; the master's balances (currency → available);
 *                                        pending jobs, webhook events
 *   POST   /__sim/reset                  wipe all state, faults and webhook log; re-seed balances
 *   POST   /__sim/flush                  run every scheduled transition now (KYC reviews, card
 *                                        activations, order completions, PRE_CANCEL → CANCELLED)
 *   POST   /__sim/faults                 add a rule, or {rules:[…]}: {route, kind, rate?, count?,
 *                                        latencyMs?, afterCommit?, retryAfterSeconds?} (see faults.ts)
 *   GET    /__sim/faults                 list rules with how often each fired
 *   DELETE /__sim/faults                 remove all rules
 *   POST   /__sim/cardholders/:id/kyc    {status: PENDING|SUCCESS|INCOMPLETE|FAILED, delayMs?}
 *                                        override the KYC outcome (now, or after delayMs)
 *   PUT    /__sim/webhooks               {url?, secret?, dropRate?, delayMs?, duplicateRate?,
 *                                        reorder?, reorderWindowMs?, maxAttempts?, retryBaseMs?}
 *   GET    /__sim/webhooks               {events:[…], deliveries:[…]} everything emitted / attempted
 *   POST   /__sim/balances               {currency, amount, account_id?} fund (or, negative, debit)
 *                                        the master's balance, or a sub-account's
 *   PUT    /__sim/settings               {rateLimitPerMinute?: number|null, tokenRateLimitPerMinute?:
 *                                        number|null (POST /v1/connect/token only; upstream 60),
 *                                        tokensCoexist?, requireBearer? (refuse a bare JWT),
 *                                        securePermission?, reviewDelayMs?, cardActivationDelayMs?,
 *                                        preCancelDelayMs?, orderDelayMs?, sandboxMccOnly? (simulated
 *                                        authorizations take MCC 5734 only, as UQPay's sandbox)}
 *
 *   Failing orders: a fault rule of kind fail_after_success on card create, update
 *   (POST /api/v1/issuing/cards/:id), status, recharge or withdraw answers normally, then the
 *   order ends FAILED, its effect is undone (money back, fields/status unchanged) and the
 *   `.failed` webhook is sent instead of `.succeeded`.
 *   POST   /__sim/transactions/:id/settle, /__sim/transactions/:id/refund, /__sim/cards/:id/refund,
 *          /__sim/cards/:id/fee          settlement, refund and fee transactions with their
 *                                        webhooks (admin-transactions.ts)
 *   Routes naming a cardholder, card or transaction by :id act in the account that holds it.
 *   POST   /__sim/clock                  {advanceSeconds} move the simulator clock forward (token
 *                                        expiry without sleeping); webhook x-wk-timestamp stays
 *                                        wall-clock time
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { registerAdminTransactionRoutes } from "./admin-transactions.ts";
import type { SimContext } from "./context.ts";
import { invalidRequest, zodMessage } from "./errors.ts";
import { faultRuleInput } from "./faults.ts";
import { setKycStatus } from "./kyc.ts";
import { move } from "./ledger.ts";
import { DEFAULT_KNOBS } from "./webhooks.ts";

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw invalidRequest(zodMessage(r.error.issues));
  return r.data;
}

export interface AdminHooks {
  reset(): void;
  advanceClock(ms: number): void;
  createSubAccount(): string;
}

export function stateSummary(ctx: SimContext) {
  const all = ctx.accounts.all();
  const count = (size: (s: (typeof all)[number]) => number) => all.reduce((n, s) => n + size(s), 0);
  const cardsByStatus: Record<string, number> = {};
  for (const s of all)
    for (const c of s.cards.values())
      cardsByStatus[c.card_status] = (cardsByStatus[c.card_status] ?? 0) + 1;
  const balances: Record<string, number> = {};
  for (const b of ctx.state.balances.values()) balances[b.currency] = b.available / 100;
  return {
    cardholders: count((s) => s.cardholders.size),
    cards: count((s) => s.cards.size),
    cardsByStatus,
    orders: count((s) => s.orders.size),
    balances,
    cardTransactions: count((s) => s.cardTxs.size),
    pendingJobs: ctx.scheduler.pending(),
    webhookEvents: ctx.webhooks.events.length,
  };
}

export function registerAdminRoutes(
  app: FastifyInstance,
  ctx: SimContext,
  hooks: AdminHooks,
): void {
  // An admin call naming an object by id acts in the account that holds it.
  app.addHook("preHandler", async (req) => {
    if (!req.url.startsWith("/__sim/")) return;
    const id = (req.params as { id?: unknown } | undefined)?.id;
    if (typeof id === "string") ctx.accounts.select(ctx.accounts.ownerOf(id));
  });

  app.post("/__sim/sub-accounts", async (_req, reply) =>
    reply.code(201).send({ account_id: hooks.createSubAccount() }),
  );
  app.get("/__sim/sub-accounts", async () => ({ accounts: [...ctx.accounts.subs.keys()] }));

  app.get("/__sim/state", async () => stateSummary(ctx));
  registerAdminTransactionRoutes(app, ctx);

  app.post("/__sim/reset", async () => {
    hooks.reset();
    return stateSummary(ctx);
  });

  app.post("/__sim/flush", async () => ({ ran: ctx.scheduler.flush() }));

  app.post("/__sim/faults", async (req) => {
    const body = req.body as { rules?: unknown } | undefined;
    const inputs = parse(z.array(faultRuleInput), Array.isArray(body?.rules) ? body.rules : [body]);
    return { rules: inputs.map((r) => ctx.faults.add(r)) };
  });
  app.get("/__sim/faults", async () => ({ rules: ctx.faults.rules }));
  app.delete("/__sim/faults", async () => {
    ctx.faults.clear();
    return { rules: [] };
  });

  app.post<{ Params: { id: string } }>("/__sim/cardholders/:id/kyc", async (req, reply) => {
    const ch = ctx.state.cardholders.get(req.params.id);
    if (!ch) return reply.code(404).send({ message: "cardholder not found" });
    const { status, delayMs } = parse(
      z.object({
        status: z.enum(["PENDING", "SUCCESS", "INCOMPLETE", "FAILED"]),
        delayMs: z.number().int().min(0).optional(),
      }),
      req.body,
    );
    ctx.scheduler.cancel("kyc", ch.cardholder_id);
    if (delayMs === undefined) setKycStatus(ctx, ch, status);
    else ctx.scheduler.add("kyc", ch.cardholder_id, delayMs, { status });
    ctx.changed();
    return { cardholder_id: ch.cardholder_id, cardholder_status: ch.cardholder_status };
  });

  app.put("/__sim/webhooks", async (req) => {
    const b = parse(
      z.object({
        url: z.string().url().nullable().optional(),
        secret: z.string().optional(),
        dropRate: z.number().min(0).max(1).optional(),
        delayMs: z.number().int().min(0).optional(),
        duplicateRate: z.number().min(0).max(1).optional(),
        reorder: z.boolean().optional(),
        reorderWindowMs: z.number().int().min(0).optional(),
        maxAttempts: z.number().int().min(1).max(20).optional(),
        retryBaseMs: z.number().int().min(0).optional(),
      }),
      req.body,
    );
    const { url, secret, ...knobs } = b;
    if (url === null) ctx.webhooks.target = undefined;
    else if (url !== undefined)
      ctx.webhooks.target = { url, secret: secret ?? ctx.webhooks.target?.secret ?? "" };
    else if (secret !== undefined && ctx.webhooks.target) ctx.webhooks.target.secret = secret;
    const defined = Object.fromEntries(Object.entries(knobs).filter(([, v]) => v !== undefined));
    ctx.webhooks.knobs = { ...DEFAULT_KNOBS, ...ctx.webhooks.knobs, ...defined };
    return { url: ctx.webhooks.target?.url ?? null, knobs: ctx.webhooks.knobs };
  });
  app.get("/__sim/webhooks", async () => ({
    events: ctx.webhooks.events,
    deliveries: ctx.webhooks.deliveries,
  }));

  app.post("/__sim/balances", async (req) => {
    const { currency, amount, account_id } = parse(
      z.object({
        currency: z.string().min(3).max(4),
        amount: z.number(),
        account_id: z.string().optional(),
      }),
      req.body,
    );
    if (account_id !== undefined && !ctx.accounts.subs.has(account_id))
      throw invalidRequest("account_id: no such sub-account");
    ctx.accounts.select(account_id);
    move(
      ctx,
      currency,
      Math.round(amount * 100),
      amount >= 0 ? "DEPOSIT" : "ADJUSTMENT",
      "Simulator funding",
    );
    ctx.changed();
    return stateSummary(ctx).balances;
  });

  app.put("/__sim/settings", async (req) => {
    const b = parse(
      z.object({
        rateLimitPerMinute: z.number().int().positive().nullable().optional(),
        tokenRateLimitPerMinute: z.number().int().positive().nullable().optional(),
        requireBearer: z.boolean().optional(),
        tokensCoexist: z.boolean().optional(),
        securePermission: z.boolean().optional(),
        reviewDelayMs: z.number().int().min(0).optional(),
        cardActivationDelayMs: z.number().int().min(0).optional(),
        preCancelDelayMs: z.number().int().min(0).optional(),
        orderDelayMs: z.number().int().min(0).optional(),
        sandboxMccOnly: z.boolean().optional(),
      }),
      req.body,
    );
    const { tokensCoexist, requireBearer, ...rest } = b;
    if (tokensCoexist !== undefined) ctx.auth.cfg.tokensCoexist = tokensCoexist;
    if (requireBearer !== undefined) ctx.auth.cfg.requireBearer = requireBearer;
    for (const [k, v] of Object.entries(rest))
      if (v !== undefined) Object.assign(ctx.settings, { [k]: v });
    return {
      ...ctx.settings,
      tokensCoexist: ctx.auth.cfg.tokensCoexist,
      requireBearer: ctx.auth.cfg.requireBearer ?? false,
    };
  });

  app.post("/__sim/clock", async (req) => {
    const { advanceSeconds } = parse(z.object({ advanceSeconds: z.number().min(0) }), req.body);
    hooks.advanceClock(advanceSeconds * 1000);
    return { now: ctx.clock() };
  });
}
