import { CardrailError } from "../../core/errors.ts";
import type { Db } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";

/**
 * Which account a tenant acts through at the issuer, per mode. The issuer enforces email/phone
 * uniqueness per account, so two tenants sharing one account could learn that a person is a
 * customer elsewhere and register them first. Every tenant therefore gets an account of its own:
 * test mode provisions a sub-account automatically; in live mode the operator assigns one
 * (`tenants create --issuer-account`, `tenants set-issuer-account`).
 *
 * `master` is the issuer's main account (no x-on-behalf-of). A live tenant with no assignment acts
 * through the master account only while it is the installation's only live tenant and nobody was
 * assigned the master explicitly; otherwise its issuer calls are refused until one is assigned.
 */
export type IssuerAccount = { kind: "master" } | { kind: "sub"; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "master" or a sub-account's UUID, as the operator types it. */
export function parseIssuerAccount(value: string, field = "issuerAccount"): IssuerAccount {
  if (value === "master") return { kind: "master" };
  if (UUID.test(value)) return { kind: "sub", id: value.toLowerCase() };
  throw new CardrailError("validation_error", `${field} must be a UUID or "master"`, [
    { field, message: 'a UUID (the issuer sub-account id) or "master"' },
  ]);
}

export const describeIssuerAccount = (account: IssuerAccount | null) =>
  account === null ? null : account.kind === "master" ? "master" : account.id;

/** Assigns (or re-assigns) the tenant's account for a mode; an account already taken is refused. */
export async function assignIssuerAccount(
  db: Db,
  tenantId: string,
  mode: Mode,
  account: IssuerAccount,
): Promise<void> {
  const accountId = account.kind === "master" ? null : account.id;
  try {
    await db
      .insertInto("tenant_issuer_accounts")
      .values({ tenant_id: tenantId, mode, account_id: accountId })
      .onConflict((oc) => oc.columns(["tenant_id", "mode"]).doUpdateSet({ account_id: accountId }))
      .execute();
  } catch (error) {
    if ((error as { code?: string }).code === "23505")
      throw new CardrailError(
        "validation_error",
        `issuerAccount is already assigned to another tenant in ${mode} mode`,
        [{ field: "issuerAccount", message: "already assigned to another tenant" }],
      );
    if ((error as { code?: string }).code === "23503")
      throw new CardrailError("not_found", `No tenant ${tenantId}`);
    throw error;
  }
}

/** The tenant's assigned account for a mode, or null when none is assigned. */
export async function assignedIssuerAccount(
  db: Db,
  tenantId: string,
  mode: Mode,
): Promise<IssuerAccount | null> {
  const row = await db
    .selectFrom("tenant_issuer_accounts")
    .select("account_id")
    .where("tenant_id", "=", tenantId)
    .where("mode", "=", mode)
    .executeTakeFirst();
  if (!row) return null;
  return row.account_id === null ? { kind: "master" } : { kind: "sub", id: row.account_id };
}

/** Every assignment, for the operator's listing. */
export async function listIssuerAccounts(db: Db) {
  return db.selectFrom("tenant_issuer_accounts").selectAll().execute();
}

/**
 * The account a live tenant acts through: its assignment, or the master account when it is the
 * only tenant with live keys and no one holds the master explicitly. null: refused.
 */
export async function liveIssuerAccount(db: Db, tenantId: string): Promise<IssuerAccount | null> {
  const assigned = await assignedIssuerAccount(db, tenantId, "live");
  if (assigned) return assigned;
  const others = await db
    .selectFrom("api_keys")
    .select("tenant_id")
    .where("mode", "=", "live")
    .where("tenant_id", "!=", tenantId)
    .limit(1)
    .executeTakeFirst();
  const masterTaken = await db
    .selectFrom("tenant_issuer_accounts")
    .select("tenant_id")
    .where("mode", "=", "live")
    .where("account_id", "is", null)
    .executeTakeFirst();
  return others || masterTaken ? null : { kind: "master" };
}
