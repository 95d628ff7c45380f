import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { keyHasher } from "../../src/modules/tenants/api-keys.ts";
import { createTenant } from "../../src/modules/tenants/tenants.ts";
import { fundWallet } from "../../src/modules/wallet/funding.ts";
import { type OpenDatabase, openDatabase } from "../../src/open-database.ts";
import type { TestTenant } from "../fixtures/cardrail.ts";
import { freshPostgresDatabase } from "../fixtures/database.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { httpApi } from "../fixtures/http.ts";
import { type ServiceProcess, startServiceProcess } from "../fixtures/processes.ts";

/**
 * Test mode on PostgreSQL without SIMULATOR_URL: every process on the database
 * uses ONE simulator (run by whichever holds the leader lock), so a holder created through one
 * process gets cards through the other. Before, each process ran its own simulator and a third of
 * such cards were refused. When the leader dies another process takes over with the same state.
 */

let postgres: Awaited<ReturnType<typeof freshPostgresDatabase>>;
let database: OpenDatabase;
const dataDirs: string[] = [];
const processes: ServiceProcess[] = [];
let env: Record<string, string>;

const tenantVia = async (urlOf: () => string): Promise<TestTenant> => {
  const config = loadConfig(env);
  const created = await createTenant(
    database.db,
    keyHasher(config.CARDRAIL_KEY_PEPPER),
    "Shared",
    "test",
  );
  await fundWallet(database.db, {
    tenantId: created.tenantId,
    mode: "test",
    currency: "USD",
    amountMinor: 100_000n,
  });
  const headers = { "x-api-key": created.apiKey, "x-access-key": created.accessKey };
  return { tenantId: created.tenantId, headers, api: httpApi(urlOf, headers) };
};

const start = async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "cardrail-shared-"));
  dataDirs.push(dataDir);
  return startServiceProcess({ ...env, CARDRAIL_DATA_DIR: dataDir });
};

beforeAll(async () => {
  postgres = await freshPostgresDatabase();
  env = {
    DATABASE_URL: postgres.url,
    CARDRAIL_KEY_PEPPER: "shared-test-issuer-pepper",
    SIMULATOR_REVIEW_DELAY_MS: "10",
    SIMULATOR_CARD_ACTIVATION_DELAY_MS: "10",
    // The test polls reveals while the follower takes over; the limit is not what it is about.
    REVEAL_RATE_LIMIT_PER_MINUTE: "100000",
  };
  database = await openDatabase(loadConfig({ ...env, CARDRAIL_DATA_DIR: tmpdir() }));
  // The first one leads (it starts alone); the second follows.
  processes.push(await start());
  processes.push(await start());
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await database?.close();
  await postgres?.drop();
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

async function revealed(tenant: TestTenant, cardId: string) {
  for (let i = 0; i < 300; i++) {
    const res = await tenant.api(`/api/v1/cards/${cardId}/reveal`);
    if (res.status === 200) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  return tenant.api(`/api/v1/cards/${cardId}/reveal`);
}

describe("one test-mode issuer for every process on a database", () => {
  it("holders made through one process get cards through the other; the follower takes over when the leader dies", async () => {
    const [leader, follower] = processes;
    if (!leader || !follower) throw new Error("processes did not start");
    let target = leader.url;
    const tenant = await tenantVia(() => target);

    const cards: string[] = [];
    for (const [holderVia, cardVia] of [
      [leader, follower],
      [follower, leader],
    ] as const) {
      target = holderVia.url;
      const holderId = await activeHolder(tenant);
      target = cardVia.url;
      for (let i = 0; i < 5; i++) {
        const card = await issueCard(tenant, { holderId, loadAmount: 1 });
        expect(card.status, JSON.stringify(card.body)).toBe(201);
        cards.push(card.body.cardId);
      }
    }
    for (const cardId of cards) expect((await revealed(tenant, cardId)).status).toBe(200);

    // The leader saves the simulator's state a moment after each change (debounced): wait until
    // the saved state holds every card, then kill it (SIGKILL: no goodbye, no last save).
    const issuerIds = (
      await database.db
        .selectFrom("cards")
        .select("issuer_card_id")
        .where("id", "in", cards)
        .execute()
    ).map((c) => String(c.issuer_card_id));
    for (let i = 0; i < 300; i++) {
      const row = await database.db.selectFrom("test_issuer").select("state").executeTakeFirst();
      if (issuerIds.every((id) => row?.state?.includes(id))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await leader.kill();
    target = follower.url;
    for (const cardId of cards) {
      const res = await revealed(tenant, cardId);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const holderId = await activeHolder(tenant);
    const after = await issueCard(tenant, { holderId, loadAmount: 1 });
    expect(after.status, JSON.stringify(after.body)).toBe(201);
  }, 120_000);
});
