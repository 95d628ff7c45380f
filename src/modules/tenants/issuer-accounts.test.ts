import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../../test/fixtures/database.ts";
import { CardrailError } from "../../core/errors.ts";
import { type OpenDatabase, openDatabase } from "../../open-database.ts";
import { keyHasher } from "./api-keys.ts";
import { assignIssuerAccount, liveIssuerAccount, parseIssuerAccount } from "./issuer-accounts.ts";
import { createTenant } from "./tenants.ts";

let database: OpenDatabase;
let drop: () => Promise<void>;
const hash = keyHasher("issuer-accounts-test-pepper");

beforeAll(async () => {
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  database = await openDatabase(
    { DATABASE_URL: fresh.url, DATABASE_POOL_SIZE: 4, CARDRAIL_DATA_DIR: "unused" },
    { inMemory: !fresh.url },
  );
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

describe("the live issuer account of a tenant", () => {
  it("uses the master account only while the tenant is the only live one, then refuses until one is assigned", async () => {
    const db = database.db;
    const first = await createTenant(db, hash, "First", "live");
    expect(await liveIssuerAccount(db, first.tenantId)).toEqual({ kind: "master" });
    const second = await createTenant(db, hash, "Second", "live");
    // Two unassigned live tenants: neither may use the master (they would share its people).
    expect(await liveIssuerAccount(db, first.tenantId)).toBeNull();
    expect(await liveIssuerAccount(db, second.tenantId)).toBeNull();
    await assignIssuerAccount(db, first.tenantId, "live", { kind: "master" });
    const sub = randomUUID();
    await assignIssuerAccount(db, second.tenantId, "live", { kind: "sub", id: sub });
    expect(await liveIssuerAccount(db, first.tenantId)).toEqual({ kind: "master" });
    expect(await liveIssuerAccount(db, second.tenantId)).toEqual({ kind: "sub", id: sub });
    // A third tenant can take neither the master nor another tenant's sub-account.
    const third = await createTenant(db, hash, "Third", "live");
    expect(await liveIssuerAccount(db, third.tenantId)).toBeNull();
    await expect(
      assignIssuerAccount(db, third.tenantId, "live", { kind: "master" }),
    ).rejects.toThrow(/already assigned/);
    await expect(
      assignIssuerAccount(db, third.tenantId, "live", { kind: "sub", id: sub }),
    ).rejects.toThrow(/already assigned/);
  });

  it("accepts a UUID or master, and names the field otherwise", () => {
    expect(parseIssuerAccount("master")).toEqual({ kind: "master" });
    expect(() => parseIssuerAccount("nope", "--issuer-account")).toThrow(CardrailError);
    expect(() => parseIssuerAccount("nope", "--issuer-account")).toThrow(/--issuer-account/);
  });
});
