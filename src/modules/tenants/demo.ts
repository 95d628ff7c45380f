import type { Db } from "../../db/pool.ts";
import { fundWallet } from "../wallet/funding.ts";
import type { KeyHasher } from "./api-keys.ts";
import { type CreatedTenant, createTenant } from "./tenants.ts";

export const DEMO_FUNDING = { currency: "USD", amountMinor: 100_000n } as const;

/**
 * On an empty database, a demo tenant with a funded test wallet (USD 1,000.00), so the README's
 * quick start works without the CLI. Returns its credentials once; null when tenants exist.
 */
export async function seedDemoTenant(db: Db, hashKey: KeyHasher): Promise<CreatedTenant | null> {
  const any = await db.selectFrom("tenants").select("id").limit(1).executeTakeFirst();
  if (any) return null;
  const tenant = await createTenant(db, hashKey, "Demo Tenant", "test");
  await fundWallet(db, {
    tenantId: tenant.tenantId,
    mode: "test",
    currency: DEMO_FUNDING.currency,
    amountMinor: DEMO_FUNDING.amountMinor,
    reference: `funding:demo:${tenant.tenantId}`,
  });
  return tenant;
}
