import { sql } from "kysely";
import type { TenantContext } from "../../core/context.ts";
import { notFound, validationError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { inTransaction } from "../../db/transaction.ts";
import type { CreatedEndpoint, EndpointView } from "./schemas.ts";
import type { WebhookSettings } from "./settings.ts";
import { newEndpointSecret } from "./signing.ts";
import { privateHostProblem, urlProblem } from "./url-policy.ts";

type Scope = Pick<TenantContext, "db" | "tenantId" | "mode">;

/** Enough for any integration (one per environment or service), few enough to bound the fan-out. */
export const MAX_ENDPOINTS = 16;

/** `we_…` ids from the one generator (core/ids.ts's prefix list is not this module's to extend). */
const newEndpointId = () => newId("evt").replace(/^evt_/, "we_");

export interface NewEndpoint {
  url: string;
  /** Event types, or ["*"] for all (also for types added later). */
  events: string[];
  description?: string;
}

function present(row: {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  created_at: Date;
}): EndpointView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    createdAt: row.created_at,
  };
}

/** Registers an endpoint; the only time its secret is ever returned. */
export async function createEndpoint(
  ctx: Scope,
  settings: Pick<WebhookSettings, "allowPrivateUrls" | "allowLoopbackUrls">,
  input: NewEndpoint,
): Promise<CreatedEndpoint> {
  const problem =
    urlProblem(input.url) ??
    (settings.allowPrivateUrls
      ? null
      : await privateHostProblem(input.url, { allowLoopback: settings.allowLoopbackUrls }));
  if (problem) throw validationError([{ field: "url", message: problem }]);

  const secret = newEndpointSecret();
  return inTransaction(ctx.db, async (tx) => {
    // Serialises concurrent creations for this tenant and mode, so the limit below holds.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`webhook_endpoints:${ctx.tenantId}:${ctx.mode}`}))`.execute(
      tx,
    );
    const { count } = await tx
      .selectFrom("webhook_endpoints")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where("tenant_id", "=", ctx.tenantId)
      .where("mode", "=", ctx.mode)
      .where("deleted_at", "is", null)
      .executeTakeFirstOrThrow();
    if (Number(count) >= MAX_ENDPOINTS) {
      throw validationError([
        { field: "url", message: `at most ${MAX_ENDPOINTS} endpoints; delete one first` },
      ]);
    }
    const row = await tx
      .insertInto("webhook_endpoints")
      .values({
        id: newEndpointId(),
        tenant_id: ctx.tenantId,
        mode: ctx.mode,
        url: input.url,
        events: input.events,
        description: input.description ?? null,
        secret,
      })
      .returning(["id", "url", "events", "description", "created_at"])
      .executeTakeFirstOrThrow();
    return { ...present(row), secret };
  });
}

/** The tenant's endpoints in this mode, oldest first; never their secrets. */
export async function listEndpoints(ctx: Scope): Promise<EndpointView[]> {
  const rows = await ctx.db
    .selectFrom("webhook_endpoints")
    .select(["id", "url", "events", "description", "created_at"])
    .where("tenant_id", "=", ctx.tenantId)
    .where("mode", "=", ctx.mode)
    .where("deleted_at", "is", null)
    .orderBy("id")
    .execute();
  return rows.map(present);
}

/** Deletes an endpoint (kept for the log) and cancels its pending deliveries. */
export async function deleteEndpoint(ctx: Scope, endpointId: string): Promise<void> {
  await inTransaction(ctx.db, async (tx) => {
    const deleted = await tx
      .updateTable("webhook_endpoints")
      .set({ deleted_at: sql<Date>`now()` })
      .where("id", "=", endpointId)
      .where("tenant_id", "=", ctx.tenantId)
      .where("mode", "=", ctx.mode)
      .where("deleted_at", "is", null)
      .returning("id")
      .executeTakeFirst();
    if (!deleted) throw notFound("Webhook endpoint");
    await tx
      .updateTable("webhook_deliveries")
      .set({
        status: "cancelled",
        next_attempt_at: null,
        claim_token: null,
        updated_at: sql<Date>`now()`,
      })
      .where("endpoint_id", "=", endpointId)
      .where("status", "=", "pending")
      .execute();
  });
}
