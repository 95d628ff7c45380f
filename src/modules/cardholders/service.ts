import type { TenantContext } from "../../core/context.ts";
import { CardrailError, notFound } from "../../core/errors.ts";
import type { HolderStatus } from "../../db/schema.ts";
import { holderIdByEmail, tenantHolder } from "./repo.ts";
import { holderStatusFromIssuer, isFinalHolderStatus } from "./status.ts";
import { changeHolderStatus } from "./transition.ts";

/** 409 duplicate_cardholder (naming the existing holder) when the tenant already has this email in this mode. */
export async function assertEmailFree(ctx: TenantContext, email: string): Promise<void> {
  const existing = await holderIdByEmail(ctx.db, ctx, email);
  if (existing) {
    throw new CardrailError("duplicate_cardholder", "A cardholder with this email already exists", [
      {
        field: "email",
        message: "already used by another cardholder of this tenant",
        holderId: existing,
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
  input: { holderId: string },
): Promise<HolderStatusView> {
  const { holderId } = input;
  const holder = await findHolder(ctx, input);
  let { status, missing_fields: missingFields } = holder;
  const stale =
    !holder.last_synced_at ||
    ctx.now().getTime() - new Date(holder.last_synced_at).getTime() >=
      ctx.settings.statusRefreshIntervalMs;
  if (!isFinalHolderStatus(status) && holder.issuer_cardholder_id && stale && ctx.issuer) {
    try {
      const upstream = await ctx.issuer.getCardholder(holder.issuer_cardholder_id);
      // Forward only: a concurrent refresh or webhook may have finished it already.
      ({ status, missingFields } = await changeHolderStatus(ctx.db, holder.id, {
        status: holderStatusFromIssuer(upstream.status),
        issuerStatus: upstream.status,
        missingFields: upstream.missingFields ?? null,
      }));
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
  input: { holderId: string },
) {
  const { holderId } = input;
  const holder = await tenantHolder(ctx.db, ctx, holderId);
  if (!holder) throw notFound("Cardholder");
  return holder;
}
