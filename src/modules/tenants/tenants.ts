import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import type { Db } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";
import { createApiKey, type IssuedKey, type KeyHasher } from "./api-keys.ts";

export interface CreatedTenant extends IssuedKey {
  tenantId: string;
  name: string;
}

/** A tenant and its first key pair, in one transaction: a tenant without a usable key is useless. */
export async function createTenant(
  db: Db,
  hash: KeyHasher,
  name: string,
  mode: Mode,
): Promise<CreatedTenant> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new CardrailError("validation_error", "name must be 1-200 characters", [
      { field: "name", message: "1-200 characters" },
    ]);
  }
  return db.transaction().execute(async (tx) => {
    const tenantId = newId("ten");
    await tx.insertInto("tenants").values({ id: tenantId, name: trimmed }).execute();
    const key = await createApiKey(tx, hash, tenantId, mode);
    return { tenantId, name: trimmed, ...key };
  });
}

export async function getTenant(db: Db, tenantId: string) {
  return db.selectFrom("tenants").selectAll().where("id", "=", tenantId).executeTakeFirst();
}

export async function listTenants(db: Db) {
  return db.selectFrom("tenants").selectAll().orderBy("created_at").execute();
}
