import { randomBytes } from "node:crypto";
import type { Db } from "../db/pool.ts";

/**
 * The `test_issuer` row: the in-process simulator's credentials and webhook secret, made once per
 * installation (never well-known defaults: a local user could otherwise read test cardholders'
 * personal data through its UQPay API), and where the current leader's simulator listens.
 */
export async function testIssuerRow(db: Db) {
  const token = () => randomBytes(24).toString("base64url");
  await db
    .insertInto("test_issuer")
    .values({
      client_id: `sim-${randomBytes(6).toString("hex")}`,
      api_key: token(),
      webhook_secret: token(),
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  return db.selectFrom("test_issuer").selectAll().executeTakeFirstOrThrow();
}

/** The leader's simulator (root URL, without /api) and admin token, or null when none published. */
export async function publishedSimulator(db: Db): Promise<{ url: string; token: string } | null> {
  const row = await db.selectFrom("test_issuer").select(["url", "admin_token"]).executeTakeFirst();
  return row?.url && row.admin_token ? { url: row.url, token: row.admin_token } : null;
}
