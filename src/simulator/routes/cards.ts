import type { FastifyInstance } from "fastify";
import type { SimContext } from "../context.ts";
import { cardError, forbidden, invalidRequest } from "../errors.ts";
import { paginate, type Query } from "../http.ts";
import { isoTime } from "../time.ts";
import { cardListItem, cardView, orderView } from "../views.ts";
import { registerCardCreateRoutes } from "./card-create.ts";
import { registerCardLifecycleRoutes } from "./card-lifecycle.ts";
import { registerCardMoneyRoutes } from "./card-money.ts";
import { findCard } from "./card-rules.ts";

const CARD_STATUSES = [
  "PENDING",
  "ACTIVE",
  "FROZEN",
  "BLOCKED",
  "PRE_CANCEL",
  "CANCELLED",
  "LOST",
  "STOLEN",
  "FAILED",
];

/** Every /v1/issuing/cards route: reads here; creation, lifecycle and money in their own files. */
export function registerCardRoutes(app: FastifyInstance, ctx: SimContext): void {
  registerCardCreateRoutes(app, ctx);

  app.get("/api/v1/issuing/cards", async (req) => {
    const q = req.query as Query;
    if (q.card_status !== undefined && !CARD_STATUSES.includes(q.card_status))
      throw invalidRequest(`card_status: must be one of ${CARD_STATUSES.join(", ")}`);
    const all = [...ctx.state.cards.values()]
      .filter(
        (c) =>
          (q.card_status === undefined || c.card_status === q.card_status) &&
          (q.cardholder_id === undefined || c.cardholder_id === q.cardholder_id) &&
          (q.card_number === undefined || c.card_number === q.card_number),
      )
      .sort((a, b) => b.create_time - a.create_time);
    const page = paginate(all, q);
    return { ...page, data: page.data.map((c) => cardListItem(ctx, c)) };
  });

  app.get<{ Params: { id: string } }>("/api/v1/issuing/cards/:id", async (req) =>
    cardView(ctx, findCard(ctx, req.params.id)),
  );

  app.get<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/secure", async (req) => {
    if (!ctx.settings.securePermission)
      throw forbidden("this account has no permission to read sensitive card data");
    const card = findCard(ctx, req.params.id);
    return { card_number: card.card_number, cvv: card.cvv, expire_date: card.expire_date };
  });

  // The path id is documented only as "id"; the SDKs pass the card_order_id. Both are accepted:
  // a card_id answers with that card's most recent order.
  app.get<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/order", async (req) => {
    const byOrder = ctx.state.orders.get(req.params.id);
    if (byOrder) return orderView(byOrder);
    const card = findCard(ctx, req.params.id);
    const orders = [...ctx.state.orders.values()].filter((o) => o.card_id === card.card_id);
    const latest = orders.sort((a, b) => b.create_time - a.create_time)[0];
    if (!latest) throw cardError("card_order_not_found", "card order not found");
    return orderView(latest);
  });

  app.post<{ Params: { id: string } }>("/api/v1/issuing/cards/:id/token", async (req) => {
    const card = findCard(ctx, req.params.id);
    const now = ctx.clock();
    void card;
    return {
      token: ctx.rng.uuid().replaceAll("-", ""),
      expires_in: 60,
      expires_at: isoTime(now + 60_000),
    };
  });
  registerCardLifecycleRoutes(app, ctx);
  registerCardMoneyRoutes(app, ctx);
}
