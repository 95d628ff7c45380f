import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { SimContext } from "../context.ts";
import { accountError, invalidRequest } from "../errors.ts";
import { paginate, parseBody, type Query } from "../http.ts";
import { parseTime } from "../time.ts";
import { balanceTxView, balanceView, cardTxView } from "../views.ts";

const NINETY_DAYS_MS = 90 * 24 * 3600_000;

function timeWindow(q: Query): { start: number; end: number } {
  const start = q.start_time === undefined ? 0 : parseTime(q.start_time);
  const end = q.end_time === undefined ? Number.POSITIVE_INFINITY : parseTime(q.end_time);
  if (start === undefined) throw invalidRequest("start_time: must be an ISO-8601 time");
  if (end === undefined) throw invalidRequest("end_time: must be an ISO-8601 time");
  if (end < start) throw invalidRequest("end_time: must not be before start_time");
  return { start, end };
}

export function registerBalanceRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.get("/api/v1/issuing/balances", async (req) => {
    const page = paginate([...ctx.state.balances.values()], req.query as Query);
    return { ...page, data: page.data.map(balanceView) };
  });

  // Retrieving one balance is a POST (and so needs an idempotency key), as upstream.
  app.post("/api/v1/issuing/balances", async (req) => {
    const { currency } = parseBody(z.object({ currency: z.string().min(1) }), req.body);
    const b = ctx.state.balances.get(currency);
    if (!b) throw accountError("balance_not_found", `currency: no issuing balance in ${currency}`);
    return balanceView(b);
  });

  app.get("/api/v1/issuing/balances/transactions", async (req) => {
    const q = req.query as Query;
    const { start, end } = timeWindow(q);
    if (q.start_time !== undefined && q.end_time !== undefined && end - start > NINETY_DAYS_MS)
      throw invalidRequest("end_time: the time window must be at most 90 days");
    const rows = ctx.state.balanceTxs
      .filter(
        (t) =>
          t.create_time >= start &&
          t.create_time <= end &&
          (q.transaction_type === undefined || t.transaction_type === q.transaction_type) &&
          (q.transaction_status === undefined || t.transaction_status === q.transaction_status) &&
          (q.currency === undefined || t.currency === q.currency) &&
          (q.transaction_id === undefined || t.transaction_id === q.transaction_id),
      )
      .reverse();
    const page = paginate(rows, q);
    return { ...page, data: page.data.map((t) => balanceTxView(ctx, t)) };
  });

  app.get("/api/v1/issuing/transactions", async (req) => {
    const q = req.query as Query;
    const { start, end } = timeWindow(q);
    const rows = [...ctx.state.cardTxs.values()]
      .filter(
        (t) =>
          t.time >= start && t.time <= end && (q.card_id === undefined || t.card_id === q.card_id),
      )
      .reverse();
    const page = paginate(rows, q);
    return { ...page, data: page.data.map((t) => cardTxView(ctx, t)) };
  });

  app.get<{ Params: { id: string } }>("/api/v1/issuing/transactions/:id", async (req) => {
    const t = ctx.state.cardTxs.get(req.params.id);
    if (!t) throw invalidRequest(`transaction ${req.params.id} not found`, "transaction_not_found");
    return cardTxView(ctx, t);
  });
}
