import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db, DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";

/**
 * API keys: a public id (`dk_test_…` / `dk_live_…`) and a 256-bit secret shown once. The secret is
 * stored as HMAC-SHA256(pepper, salt ‖ secret): secrets this long cannot be brute-forced, so a slow
 * KDF would only slow every request; the pepper (configuration, not the database) means a stolen
 * database alone cannot check guesses either.
 */

export interface IssuedKey {
  apiKey: string;
  accessKey: string;
  mode: Mode;
}

export interface Authenticated {
  keyId: string;
  tenantId: string;
  mode: Mode;
}

const DEFAULT_PEPPER = "cardrail-default-pepper-set-CARDRAIL_KEY_PEPPER";

/** The configured pepper, or the built-in one (public: production on PostgreSQL refuses it, see config.ts). */
export const pepperOf = (pepper: string | undefined) => pepper ?? DEFAULT_PEPPER;

/** A 32-byte key for one purpose, derived from the pepper (HKDF-SHA256, the purpose as its info). */
export const keyFromPepper = (pepper: string | undefined, purpose: string): Buffer =>
  Buffer.from(hkdfSync("sha256", pepperOf(pepper), "", purpose, 32));

export function keyHasher(pepper: string | undefined) {
  const secret = pepperOf(pepper);
  return (salt: Buffer, accessKey: string) =>
    createHmac("sha256", secret).update(salt).update(accessKey, "utf8").digest();
}
export type KeyHasher = ReturnType<typeof keyHasher>;

export async function createApiKey(
  db: DbOrTx,
  hash: KeyHasher,
  tenantId: string,
  mode: Mode,
): Promise<IssuedKey> {
  const apiKey = `dk_${mode}_${randomBytes(18).toString("base64url")}`;
  const accessKey = `sk_${mode}_${randomBytes(32).toString("base64url")}`;
  const salt = randomBytes(16);
  await db
    .insertInto("api_keys")
    .values({
      id: apiKey,
      tenant_id: tenantId,
      mode,
      secret_hash: hash(salt, accessKey),
      secret_salt: salt,
      revoked_at: null,
      last_used_at: null,
    })
    .execute();
  return { apiKey, accessKey, mode };
}

// Compared against when the key id is unknown, so that path costs the same as a wrong secret.
const decoySalt = randomBytes(16);

/**
 * Returns the key's tenant and mode, or null for any failure (unknown id, wrong secret, revoked,
 * expired after a rotation), doing the same work in every case so neither timing nor result tells which.
 */
export async function authenticate(
  db: DbOrTx,
  hash: KeyHasher,
  apiKey: string,
  accessKey: string,
  now: Date = new Date(),
): Promise<Authenticated | null> {
  const row =
    apiKey.length <= 64
      ? await db
          .selectFrom("api_keys")
          .select([
            "id",
            "tenant_id",
            "mode",
            "secret_hash",
            "secret_salt",
            "revoked_at",
            "expires_at",
          ])
          .where("id", "=", apiKey)
          .executeTakeFirst()
      : undefined;
  const expected = row?.secret_hash ?? hash(decoySalt, "decoy");
  const actual = hash(row?.secret_salt ?? decoySalt, accessKey);
  const secretMatches = timingSafeEqual(expected, actual);
  const expired = row?.expires_at != null && row.expires_at.getTime() <= now.getTime();
  if (!row || !secretMatches || row.revoked_at !== null || expired) return null;
  return { keyId: row.id, tenantId: row.tenant_id, mode: row.mode };
}

export interface RotatedKey extends IssuedKey {
  tenantId: string;
  /** The key that was rotated; it keeps working until `oldKeyExpiresAt`. */
  previousApiKey: string;
  oldKeyExpiresAt: Date;
}

/**
 * A new key pair for the same tenant and mode; the old key keeps authenticating for `overlapMs`
 * (so deployments can switch without downtime), then stops. One transaction: the old key row is
 * locked, so two concurrent rotations of one key cannot both succeed. Null when the key is unknown,
 * revoked or already expired. An earlier expiry (a previous rotation) is never extended.
 */
export async function rotateApiKey(
  db: Db,
  hash: KeyHasher,
  apiKey: string,
  overlapMs: number,
  now: Date = new Date(),
): Promise<RotatedKey | null> {
  return db.transaction().execute(async (tx) => {
    const old = await tx
      .selectFrom("api_keys")
      .select(["id", "tenant_id", "mode", "expires_at", "revoked_at"])
      .where("id", "=", apiKey)
      .forUpdate()
      .executeTakeFirst();
    if (!old || old.revoked_at !== null) return null;
    if (old.expires_at !== null && old.expires_at.getTime() <= now.getTime()) return null;
    const issued = await createApiKey(tx, hash, old.tenant_id, old.mode);
    const wanted = new Date(now.getTime() + overlapMs);
    const expiresAt =
      old.expires_at !== null && old.expires_at.getTime() < wanted.getTime()
        ? old.expires_at
        : wanted;
    await tx
      .updateTable("api_keys")
      .set({ expires_at: expiresAt, replaced_by: issued.apiKey })
      .where("id", "=", old.id)
      .execute();
    return {
      ...issued,
      tenantId: old.tenant_id,
      previousApiKey: old.id,
      oldKeyExpiresAt: expiresAt,
    };
  });
}

export async function revokeApiKey(db: DbOrTx, apiKey: string): Promise<boolean> {
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: new Date() })
    .where("id", "=", apiKey)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listApiKeys(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("api_keys")
    .select([
      "id as apiKey",
      "mode",
      "created_at as createdAt",
      "revoked_at as revokedAt",
      "last_used_at as lastUsedAt",
      "expires_at as expiresAt",
      "replaced_by as replacedBy",
    ])
    .where("tenant_id", "=", tenantId)
    .orderBy("created_at")
    .execute();
}

const lastUsedWrites = new Map<string, number>();

/** Records use at most once a minute per key and process: a write on every request would make the key row hot. */
export async function touchApiKey(db: DbOrTx, keyId: string, now = Date.now()): Promise<void> {
  const last = lastUsedWrites.get(keyId) ?? 0;
  if (now - last < 60_000) return;
  lastUsedWrites.set(keyId, now);
  await db
    .updateTable("api_keys")
    .set({ last_used_at: new Date(now) })
    .where("id", "=", keyId)
    .execute();
}
