import { DatabaseError } from "pg";
import { type CoreSettings, requireIssuer, type TenantContext } from "../../core/context.ts";
import { deterministicUuid, sha256Hex } from "../../core/deterministic-uuid.ts";
import { CardrailError, notFound, validationError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import type { HolderStatus } from "../../db/schema.ts";
import { IssuerError, type KycFile } from "../../issuer/port.ts";
import type { CardholderFields } from "./fields.ts";
import { holderStatusFromIssuer, isFinalHolderStatus } from "./status.ts";

/** 409 duplicate_cardholder (naming the existing holder) when the tenant already has this email in this mode. */
export async function assertEmailFree(ctx: TenantContext, email: string): Promise<void> {
  const existing = await ctx.db
    .selectFrom("end_users")
    .innerJoin("cardholders", "cardholders.user_id", "end_users.id")
    .select(["cardholders.id as holderId"])
    .where("end_users.tenant_id", "=", ctx.tenantId)
    .where("end_users.mode", "=", ctx.mode)
    .where((eb) => eb(eb.fn("lower", ["end_users.email"]), "=", email.toLowerCase()))
    .executeTakeFirst();
  if (existing) {
    throw new CardrailError("duplicate_cardholder", "A cardholder with this email already exists", [
      {
        field: "email",
        message: "already used by another cardholder of this tenant",
        holderId: existing.holderId,
      },
    ]);
  }
}

export interface HolderStatusView {
  holderId: string;
  status: HolderStatus;
  canIssueCard: boolean;
  missingFields: string[] | null;
}

/**
 * The cardholder's status. While IN_REVIEW it is refreshed from the issuer, at most once per
 * `statusRefreshIntervalMs`; if the issuer cannot answer, the last known status is returned.
 */
export async function getHolderStatus(
  ctx: TenantContext,
  settings: Pick<CoreSettings, "statusRefreshIntervalMs">,
  holderId: string,
): Promise<HolderStatusView> {
  const holder = await findHolder(ctx, holderId);
  let { status, missing_fields: missingFields } = holder;
  const stale =
    !holder.last_synced_at ||
    ctx.now().getTime() - new Date(holder.last_synced_at).getTime() >=
      settings.statusRefreshIntervalMs;
  if (!isFinalHolderStatus(status) && holder.issuer_cardholder_id && stale && ctx.issuer) {
    try {
      const upstream = await ctx.issuer.getCardholder(holder.issuer_cardholder_id);
      const next = holderStatusFromIssuer(upstream.status);
      // Conditional on still being IN_REVIEW: a concurrent refresh or webhook may have finished it.
      const updated = await ctx.db
        .updateTable("cardholders")
        .set({
          status: next,
          issuer_status: upstream.status,
          missing_fields: upstream.missingFields ?? null,
          last_synced_at: ctx.now(),
          updated_at: ctx.now(),
          decided_at: next === "IN_REVIEW" ? null : ctx.now(),
        })
        .where("id", "=", holder.id)
        .where("status", "=", "IN_REVIEW")
        .returning(["status", "missing_fields"])
        .executeTakeFirst();
      if (updated) ({ status, missing_fields: missingFields } = updated);
    } catch (error) {
      ctx.log.warn(
        { err: error, holderId },
        "could not refresh cardholder status; returning the last known one",
      );
    }
  }
  return { holderId: holder.id, status, canIssueCard: status === "ACTIVE", missingFields };
}

/** A cardholder of this tenant and mode, or not_found: another tenant's id is indistinguishable from none. */
export async function findHolder(
  ctx: Pick<TenantContext, "db" | "tenantId" | "mode">,
  holderId: string,
) {
  const holder = await ctx.db
    .selectFrom("cardholders")
    .selectAll()
    .where("id", "=", holderId)
    .where("tenant_id", "=", ctx.tenantId)
    .where("mode", "=", ctx.mode)
    .executeTakeFirst();
  if (!holder) throw notFound("Cardholder");
  return holder;
}
