/**
 * Issuing transfers and reports (fact sheet §5). Paths and request fields are documented; the
 * response bodies beyond `transfer_id`/`transfer_status`/`report_id` are not, so the simulator
 * answers with those plus the request's own fields (UNCONFIRMED).
 *
 * Transfers: the simulator has one (master) account, `ctx.state.accountId`. A transfer out of it
 * debits the issuing balance (TRANSFER_OUT), into it credits (TRANSFER_IN); any other pair names an
 * unknown sub-account. Transfers complete at once.
 *
 * Reports: `POST` records the request; `GET /reports/{id}` downloads a CSV of the issuing balance
 * transactions (or, for a report_type containing "CARD", the card transactions) in the window.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { SimContext } from "../context.ts";
import { accountError, invalidRequest, SimError } from "../errors.ts";
import { parseBody } from "../http.ts";
import { move } from "../ledger.ts";
import { hasAtMostTwoDecimals, toCents } from "../money.ts";
import { decimal } from "../schemas.ts";
import type { Transfer } from "../state.ts";
import { isoTime, parseTime } from "../time.ts";
import { balanceTxView, cardTxView } from "../views.ts";

const transferBody = z.object({
  source_account_id: z.string().min(1),
  destination_account_id: z.string().min(1),
  currency: z.string().min(3).max(4),
  amount: decimal.pipe(
    z.number().positive().refine(hasAtMostTwoDecimals, "at most 2 decimal places"),
  ),
  remark: z.string().max(255).optional(),
});

const reportBody = z.object({
  report_type: z.string().min(1).max(64),
  start_time: z.string().min(1),
  end_time: z.string().min(1),
});

const NINETY_DAYS_MS = 90 * 24 * 3600_000;

function transferView(t: Transfer) {
  return {
    transfer_id: t.transfer_id,
    source_account_id: t.source_account_id,
    destination_account_id: t.destination_account_id,
    currency: t.currency,
    amount: t.amount / 100,
    remark: t.remark,
    transfer_status: t.transfer_status,
    create_time: isoTime(t.create_time),
  };
}

function csv(rows: Record<string, unknown>[]): string {
  const first = rows[0];
  if (!first) return "";
  const cols = Object.keys(first);
  const cell = (v: unknown) => {
    const s =
      v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[cols.join(","), ...rows.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\n")}\n`;
}

export function registerTransferRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post("/api/v1/issuing/transfers", async (req) => {
    const b = parseBody(transferBody, req.body);
    const me = ctx.state.accountId;
    if (b.source_account_id === b.destination_account_id)
      throw invalidRequest("destination_account_id: must differ from source_account_id");
    if (b.source_account_id !== me && b.destination_account_id !== me)
      throw accountError(
        "sub_account_not_found",
        "source_account_id/destination_account_id: account not found",
      );
    const cents = toCents(b.amount);
    const t: Transfer = {
      transfer_id: ctx.rng.uuid(),
      source_account_id: b.source_account_id,
      destination_account_id: b.destination_account_id,
      currency: b.currency,
      amount: cents,
      remark: b.remark ?? "",
      transfer_status: "COMPLETED",
      create_time: ctx.clock(),
    };
    const other = b.source_account_id === me ? b.destination_account_id : b.source_account_id;
    if (b.source_account_id === me)
      move(ctx, b.currency, -cents, "TRANSFER_OUT", `Transfer ${t.transfer_id} to ${other}`);
    else move(ctx, b.currency, cents, "TRANSFER_IN", `Transfer ${t.transfer_id} from ${other}`);
    ctx.state.transfers.set(t.transfer_id, t);
    return { transfer_id: t.transfer_id };
  });

  app.get<{ Params: { id: string } }>("/api/v1/issuing/transfers/:id", async (req) => {
    const t = ctx.state.transfers.get(req.params.id);
    if (!t) throw new SimError("account_error", "transfer_not_found", "transfer not found");
    return transferView(t);
  });

  app.post("/api/v1/issuing/reports", async (req) => {
    const b = parseBody(reportBody, req.body);
    const start = parseTime(b.start_time);
    const end = parseTime(b.end_time);
    if (start === undefined) throw invalidRequest("start_time: must be an ISO-8601 time");
    if (end === undefined) throw invalidRequest("end_time: must be an ISO-8601 time");
    if (end < start) throw invalidRequest("end_time: must not be before start_time");
    if (end - start > NINETY_DAYS_MS)
      throw invalidRequest("end_time: the time window must be at most 90 days");
    const report_id = ctx.rng.uuid();
    ctx.state.reports.set(report_id, {
      report_id,
      report_type: b.report_type,
      start_time: start,
      end_time: end,
      create_time: ctx.clock(),
    });
    return { report_id };
  });

  app.get<{ Params: { id: string } }>("/api/v1/issuing/reports/:id", async (req, reply) => {
    const r = ctx.state.reports.get(req.params.id);
    if (!r) throw new SimError("invalid_request_error", "report_not_found", "report not found");
    const inWindow = (t: number) => t >= r.start_time && t <= r.end_time;
    const rows = /CARD/i.test(r.report_type)
      ? [...ctx.state.cardTxs.values()]
          .filter((t) => inWindow(t.time))
          .map((t) => cardTxView(ctx, t))
      : ctx.state.balanceTxs
          .filter((t) => inWindow(t.create_time))
          .map((t) => balanceTxView(ctx, t));
    return reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="${r.report_id}.csv"`)
      .send(csv(rows as Record<string, unknown>[]));
  });
}
