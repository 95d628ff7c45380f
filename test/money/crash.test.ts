import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyJournal } from "../../src/modules/reconcile/witness.ts";
import { checkLedgerInvariants } from "../../src/modules/wallet/invariants.ts";
import type { TestTenant } from "../fixtures/cardrail.ts";
import { type SharedWorld, startSharedWorld } from "../fixtures/external.ts";
import { createHolder, waitForStatus } from "../fixtures/flows.ts";
import { type ServiceProcess, startServiceProcess } from "../fixtures/processes.ts";
import { waitForSettledCards } from "./helpers.ts";

/**
 * A service process is killed with SIGKILL at random moments while a stream of card issuances is in
 * flight (the upstream is given some latency so kills land inside upstream calls too), restarted,
 * and killed again. Then every Idempotency-Key that was sent is retried until it has a final answer.
 * Afterwards: one card per key, none stuck, one upstream card per card, ledger balanced.
 * Set TEST_SEED to replay a run; the seed in use is printed.
 */

const seed = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
const ROUNDS = 4;
const WORKERS = 6;

/** mulberry32: small, seedable, good enough to choose kill moments. */
function rng(s: number) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let world: SharedWorld;
let current: ServiceProcess | null = null;

beforeAll(async () => {
  world = await startSharedWorld({
    RECOVERY_AFTER_MS: "300",
    RECOVERY_INTERVAL_MS: "200",
    IDEMPOTENCY_LOCK_TIMEOUT_MS: "1000",
    UQPAY_TIMEOUT_MS: "3000",
  });
  await world.simAdmin("/__sim/faults", "POST", {
    route: "POST /api/v1/issuing/cards",
    kind: "latency",
    latencyMs: 40,
  });
}, 60_000);

afterAll(async () => {
  await current?.kill();
  await world?.close();
});

const issue = (tenant: TestTenant, holderId: string, key: string) =>
  tenant.api("/api/v1/cards", {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({
      holderId,
      cardType: "virtual",
      card_product_id: "111031",
      currency: "USD",
      loadAmount: 1,
    }),
  });

describe(`SIGKILL during a stream of issuances (seed ${seed})`, () => {
  it("after restarts and recovery: one card per key, nothing stuck, no duplicate upstream card, ledger balanced", async () => {
    console.log(`crash test seed: ${seed} (replay with TEST_SEED=${seed})`);
    const random = rng(seed);
    current = await startServiceProcess(world.env);
    const tenant = await world.tenant(10_000, () => current?.url ?? "");
    const holderId = await createHolder(tenant);
    expect(await waitForStatus(tenant, holderId)).toBe("ACTIVE");

    const sent: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let alive = true;
      let n = 0;
      const worker = async () => {
        while (alive) {
          const key = `crash-${seed}-${round}-${n++}`;
          sent.push(key);
          try {
            await issue(tenant, holderId, key);
          } catch {
            // The process died under this request: its fate is decided by the retries below.
          }
        }
      };
      const workers = Array.from({ length: WORKERS }, worker);
      await new Promise((r) => setTimeout(r, 150 + random() * 900));
      await current.kill();
      alive = false;
      await Promise.all(workers);
      current = await startServiceProcess(world.env);
    }

    // Every key, retried until it has a final answer. 409 (held by a dead process until the lock
    // times out) and 503 (outcome not yet known) are the two "try again" answers.
    const finalStatus = new Map<string, number>();
    for (const key of sent) {
      for (let attempt = 0; attempt < 200; attempt++) {
        const res = await issue(tenant, holderId, key).catch(() => null);
        if (res && res.status !== 409 && res.status !== 503) {
          finalStatus.set(key, res.status);
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    console.log(`crash test: ${sent.length} keys sent across ${ROUNDS} kills`);
    expect(finalStatus.size).toBe(sent.length);
    expect([...finalStatus.values()].every((s) => s === 201)).toBe(true);

    const db = world.database.db;
    // The processes' own recovery sweeps settle whatever is still open.
    await waitForSettledCards(db, 300);
    const cards = await db
      .selectFrom("cards")
      .select(["id", "status", "load_amount"])
      .where("tenant_id", "=", tenant.tenantId)
      .execute();
    const keys = await db
      .selectFrom("idempotency_keys")
      .select(["key", "card_id", "recovery_point"])
      .where("tenant_id", "=", tenant.tenantId)
      .execute();

    // One card per key, and no card without a key.
    expect(keys).toHaveLength(sent.length);
    expect(keys.every((k) => k.recovery_point === "finished" && k.card_id)).toBe(true);
    expect(new Set(keys.map((k) => k.card_id)).size).toBe(sent.length);
    expect(cards).toHaveLength(sent.length);
    expect(cards.filter((c) => c.status === "creating" || c.status === "pending")).toEqual([]);

    // The upstream holds exactly one card for each of ours that is live.
    const upstreamRefs = world.simulator.ctx.accounts
      .all()
      .flatMap((account) => [...account.cards.values()])
      .map((c) => String(c.metadata.cardrail_card_id));
    expect(new Set(upstreamRefs).size).toBe(upstreamRefs.length);
    const live = cards.filter((c) => c.status !== "failed");
    expect(upstreamRefs.length).toBe(live.length);

    const wallet = await db
      .selectFrom("ledger_accounts")
      .select("balance")
      .where("tenant_id", "=", tenant.tenantId)
      .where("kind", "=", "wallet")
      .executeTakeFirstOrThrow();
    expect(wallet.balance).toBe(1_000_000n - live.reduce((sum, c) => sum + c.load_amount, 0n));
    expect(await checkLedgerInvariants(db)).toEqual([]);
    // Postings killed mid-transaction left no journal entry and no gap in the chain.
    expect((await verifyJournal(db, null)).problems).toEqual([]);
  }, 300_000);
});
