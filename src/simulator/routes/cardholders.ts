import type { FastifyInstance } from "fastify";
import type { SimContext } from "../context.ts";
import { cardholderError, invalidRequest } from "../errors.ts";
import { paginate, parseBody, type Query } from "../http.ts";
import { applyOptional, assertUnique, createCardholder, startReview } from "../kyc.ts";
import { cardholderCreate, cardholderUpdate } from "../schemas.ts";
import type { Cardholder } from "../state.ts";
import { cardholderView, cardholderWebhookData, idvFields } from "../views.ts";

const STATUSES = ["PENDING", "SUCCESS", "INCOMPLETE", "FAILED"];

export function findCardholder(ctx: SimContext, id: string): Cardholder {
  const ch = ctx.state.cardholders.get(id);
  if (!ch) throw cardholderError("cardholder_not_found", `cardholder ${id} not found`);
  return ch;
}

/** {cardholder_id, cardholder_status} plus the IDV link for SUMSUB_REDIRECT cardholders. */
function writeResponse(ch: Cardholder) {
  return {
    cardholder_id: ch.cardholder_id,
    cardholder_status: ch.cardholder_status,
    ...(ch.idv ? idvFields(ch) : {}),
    ...(ch.missing_fields ? { missing_fields: ch.missing_fields } : {}),
  };
}

export function registerCardholderRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post("/api/v1/issuing/cardholders", async (req, reply) => {
    const input = parseBody(cardholderCreate, req.body);
    const ch = createCardholder(ctx, input);
    // 201: the SDK mocks answer creates with 201 (200 vs 201 is UNCONFIRMED in the docs).
    return reply.code(201).send(writeResponse(ch));
  });

  app.get("/api/v1/issuing/cardholders", async (req) => {
    const q = req.query as Query;
    if (q.cardholder_status !== undefined && !STATUSES.includes(q.cardholder_status))
      throw invalidRequest(`cardholder_status: must be one of ${STATUSES.join(", ")}`);
    const all = [...ctx.state.cardholders.values()]
      .filter(
        (c) => q.cardholder_status === undefined || c.cardholder_status === q.cardholder_status,
      )
      .sort((a, b) => b.create_time - a.create_time);
    const page = paginate(all, q);
    return { ...page, data: page.data.map((c) => cardholderView(ctx, c)) };
  });

  app.get<{ Params: { id: string } }>("/api/v1/issuing/cardholders/:id", async (req) =>
    cardholderView(ctx, findCardholder(ctx, req.params.id)),
  );

  app.post<{ Params: { id: string } }>("/api/v1/issuing/cardholders/:id", async (req) => {
    const ch = findCardholder(ctx, req.params.id);
    const input = parseBody(cardholderUpdate, req.body);
    assertUnique(ctx, input.email, input.phone_number, ch.cardholder_id);
    if (input.email !== undefined) ch.email = input.email;
    if (input.country_code !== undefined) ch.country_code = input.country_code;
    if (input.phone_number !== undefined) ch.phone_number = input.phone_number;
    applyOptional(ch, input);
    ch.update_time = ctx.clock();
    // New identity documents restart the review unless the cardholder is already verified.
    if (
      (input.identity !== undefined || input.kyc_verification !== undefined) &&
      ch.cardholder_status !== "SUCCESS"
    )
      startReview(ctx, ch);
    ctx.webhooks.emit("cardholder.updated", ch.cardholder_id, cardholderWebhookData(ch));
    return writeResponse(ch);
  });
}
