import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../../test/fixtures/database.ts";
import { CardrailError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { type OpenDatabase, openDatabase } from "../../open-database.ts";
import {
  advanceKey,
  answerForLostKey,
  claimKey,
  finishKey,
  holdKey,
  type KeyLease,
  KeyLostError,
  type KeyRef,
  releaseKey,
  renewLease,
  takeKeyOf,
  unlockKey,
} from "./keys.ts";

/**
 * The fence on idempotency keys, against the real database: a lease's token decides every write,
 * a takeover needs the lease run out, and a holder that lost the key commits nothing. Time is not
 * waited for: a lease "runs out" by moving its end into the past, as a paused process would see.
 */

let database: OpenDatabase;
let drop: () => Promise<void>;
let tenantId: string;
const cardIds: string[] = [];
const LONG_LEASE_MS = 600_000; // the heartbeat never beats during a test: renewals are explicit
const request = { path: "POST /cards", hash: "h1" };

beforeAll(async () => {
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  database = await openDatabase(
    { DATABASE_URL: fresh.url, DATABASE_POOL_SIZE: 4, CARDRAIL_DATA_DIR: "unused" },
    { inMemory: !fresh.url },
  );
  const db = database.db;
  tenantId = newId("ten");
  await db.insertInto("tenants").values({ id: tenantId, name: "fence" }).execute();
  // Cards for advanceKey to point at, and a table standing for "the effect" of a fenced transaction.
  const userId = newId("usr");
  const holderId = newId("ch");
  await sql`INSERT INTO end_users (id, tenant_id, mode, email, first_name, last_name, country, mobile)
            VALUES (${userId}, ${tenantId}, 'test', 'f@example.com', 'F', 'E', 'IN', '9000000000')`.execute(
    db,
  );
  await sql`INSERT INTO cardholders (id, tenant_id, mode, user_id, status, kyc_doc_type, kyc_id_number, submission_key)
            VALUES (${holderId}, ${tenantId}, 'test', ${userId}, 'ACTIVE', 'passport', 'P1', ${randomUUID()})`.execute(
    db,
  );
  for (let i = 0; i < 3; i++) {
    const id = newId("card");
    cardIds.push(id);
    await sql`INSERT INTO cards (id, tenant_id, mode, cardholder_id, product_id, currency, load_amount, status, upstream_key)
              VALUES (${id}, ${tenantId}, 'test', ${holderId}, 'p', 'USD', 1, 'creating', ${randomUUID()})`.execute(
      db,
    );
  }
  await sql`CREATE TABLE fence_effects (id serial PRIMARY KEY, key text NOT NULL, client int NOT NULL)`.execute(
    db,
  );
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

const refOf = (key: string): KeyRef => ({ tenantId, mode: "test", key });

const runOut = (key: string) =>
  database.db
    .updateTable("idempotency_keys")
    .set({ lease_expires_at: sql<Date>`now() - interval '1 second'` })
    .where("key", "=", key)
    .execute();

/** The debit's shape: an effect and the key's advance in one transaction, fenced by the lease. */
const effect = (lease: KeyLease, client: number, cardId?: string) =>
  database.db.transaction().execute(async (tx) => {
    await holdKey(tx, lease);
    await sql`INSERT INTO fence_effects (key, client) VALUES (${lease.ref.key}, ${client})`.execute(
      tx,
    );
    if (cardId) await advanceKey(tx, lease, "card_created", cardId);
  });

const effectsOf = async (key: string) =>
  (
    await sql<{
      client: number;
    }>`SELECT client FROM fence_effects WHERE key = ${key} ORDER BY id`.execute(database.db)
  ).rows.map((r) => r.client);

async function claimed(key: string) {
  const claim = await claimKey(database.db, refOf(key), request, LONG_LEASE_MS);
  if (claim.state === "replay") throw new Error("unexpected replay");
  claim.lease.stop();
  return claim;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CardrailError) return error.code;
    if (error instanceof KeyLostError) return "lost";
    throw error;
  }
  return "none";
}

describe("fenced idempotency keys", () => {
  it("a live lease cannot be taken over; a lease run out can, and the old holder then commits nothing", async () => {
    const first = await claimed("k-takeover");
    expect(first.state).toBe("new");
    expect(await refusal(claimKey(database.db, refOf("k-takeover"), request, LONG_LEASE_MS))).toBe(
      "idempotency_key_in_use",
    );

    await runOut("k-takeover");
    const second = await claimed("k-takeover");
    expect(second).toMatchObject({ state: "resume", recoveryPoint: "started" });

    // The first holder wakes up: its debit transaction rolls back whole, its writes are refused.
    expect(await refusal(effect(first.lease, 1, cardIds[0]))).toBe("lost");
    expect(await renewLease(database.db, first.lease)).toBe(false);
    expect(await refusal(finishKey(database.db, first.lease, { ok: 1 }))).toBe("lost");
    expect(await refusal(unlockKey(database.db, first.lease))).toBe("lost");
    expect(await refusal(releaseKey(database.db, first.lease))).toBe("lost");
    expect(await effectsOf("k-takeover")).toEqual([]);

    // The new holder's work goes through, and the old one then sees the outcome as a replay.
    await effect(second.lease, 2, cardIds[0]);
    await finishKey(database.db, second.lease, { ok: "card" });
    expect(await effectsOf("k-takeover")).toEqual([2]);
    expect(await answerForLostKey(database.db, refOf("k-takeover"), request)).toEqual({
      outcome: { ok: "card" },
    });
  });

  it("renewal keeps a slow holder's key: a lease renewed after running out is not taken over", async () => {
    const first = await claimed("k-renew");
    await runOut("k-renew");
    expect(await renewLease(database.db, first.lease)).toBe(true);
    expect(await refusal(claimKey(database.db, refOf("k-renew"), request, LONG_LEASE_MS))).toBe(
      "idempotency_key_in_use",
    );
    // Holding the key is the token, not the clock: a run-out lease nobody took still writes.
    await runOut("k-renew");
    await effect(first.lease, 1);
    expect(await effectsOf("k-renew")).toEqual([1]);
  });

  it("the heartbeat renews the lease, and notices when the key was taken", async () => {
    const claim = await claimKey(database.db, refOf("k-heartbeat"), request, 1000);
    if (claim.state === "replay") throw new Error("unexpected replay");
    const leaseEnd = async () =>
      (
        await database.db
          .selectFrom("idempotency_keys")
          .select("lease_expires_at")
          .where("key", "=", "k-heartbeat")
          .executeTakeFirstOrThrow()
      ).lease_expires_at as Date;
    await runOut("k-heartbeat");
    const ranOut = await leaseEnd();
    for (let i = 0; i < 300 && (await leaseEnd()).getTime() <= ranOut.getTime(); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await leaseEnd()).getTime()).toBeGreaterThan(ranOut.getTime());

    await database.db
      .updateTable("idempotency_keys")
      .set({ lock_token: randomUUID() })
      .where("key", "=", "k-heartbeat")
      .execute();
    for (let i = 0; i < 300 && !claim.lease.lost; i++) await new Promise((r) => setTimeout(r, 20));
    expect(claim.lease.lost).toBe(true);
    claim.lease.stop();
  });

  it("a key released and claimed anew never honours the old holder's token", async () => {
    const first = await claimed("k-reclaim");
    await runOut("k-reclaim");
    const second = await claimed("k-reclaim");
    await releaseKey(database.db, second.lease);
    const third = await claimed("k-reclaim");
    expect(third.state).toBe("new");
    expect(await refusal(effect(first.lease, 1))).toBe("lost");
    expect(await refusal(effect(second.lease, 2))).toBe("lost");
    await effect(third.lease, 3);
    expect(await effectsOf("k-reclaim")).toEqual([3]);
  });

  it("the recovery sweep takes a card's key only once its lease ran out, and fences out its holder", async () => {
    const holder = await claimed("k-sweep");
    await effect(holder.lease, 1, cardIds[1]);
    expect(
      (await takeKeyOf(database.db, { cardId: cardIds[1] as string }, LONG_LEASE_MS)).state,
    ).toBe("held");
    await runOut("k-sweep");
    const sweep = await takeKeyOf(database.db, { cardId: cardIds[1] as string }, LONG_LEASE_MS);
    if (sweep.state !== "taken")
      throw new Error(`expected the sweep to take the key: ${sweep.state}`);
    sweep.lease.stop();
    expect(await refusal(finishKey(database.db, holder.lease, { ok: 1 }))).toBe("lost");
    expect(await refusal(claimKey(database.db, refOf("k-sweep"), request, LONG_LEASE_MS))).toBe(
      "idempotency_key_in_use",
    );
    await unlockKey(database.db, sweep.lease);
    const retry = await claimed("k-sweep");
    expect(retry).toMatchObject({
      state: "resume",
      recoveryPoint: "card_created",
      cardId: cardIds[1],
    });
    await finishKey(database.db, retry.lease, { ok: 1 });
    expect(
      (await takeKeyOf(database.db, { cardId: cardIds[1] as string }, LONG_LEASE_MS)).state,
    ).toBe("none");
  });
});

/**
 * Any interleaving of claims, renewals, effects, finishes, unlocks, releases and leases running out,
 * by three requests sharing one key, against a plain model: every operation succeeds exactly when
 * the model says, effects are committed only by the holder of the moment, and once finished, the
 * key answers its one outcome.
 */
type Op =
  | { kind: "claim" | "renew" | "effect" | "finish" | "unlock" | "release"; client: number }
  | { kind: "runOut" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom(
      "claim" as const,
      "renew" as const,
      "effect" as const,
      "finish" as const,
      "unlock" as const,
      "release" as const,
    ),
    client: fc.nat(2),
  }),
  fc.constant({ kind: "runOut" as const }),
);

interface ModelRow {
  point: "started" | "card_created" | "finished";
  token: number | null;
  ranOut: boolean;
}

describe("fenced idempotency keys, as a property", () => {
  it("match a plain model under any interleaving of three requests", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const key = `prop-${run++}`;
        let row: ModelRow | null = null;
        let nextToken = 1;
        const held: ({ lease: KeyLease; token: number } | null)[] = [null, null, null];
        const effects: number[] = [];
        try {
          for (const op of ops) {
            if (op.kind === "runOut") {
              if (row?.token != null) row.ranOut = true;
              await runOut(key);
              continue;
            }
            const mine = held[op.client];
            const holds = mine != null && row !== null && row.token === mine.token;
            switch (op.kind) {
              case "claim": {
                mine?.lease.stop();
                let expected: string;
                if (row === null) expected = "new";
                else if (row.point === "finished") expected = "replay";
                else if (row.token === null || row.ranOut) expected = "resume";
                else expected = "idempotency_key_in_use";
                let got: string;
                try {
                  const claim = await claimKey(database.db, refOf(key), request, LONG_LEASE_MS);
                  got = claim.state;
                  if (claim.state !== "replay") {
                    claim.lease.stop();
                    held[op.client] = { lease: claim.lease, token: nextToken };
                  } else {
                    expect(claim.outcome).toEqual({ ok: "done" });
                  }
                } catch (error) {
                  got = (error as CardrailError).code;
                }
                expect(got).toBe(expected);
                if (got === "new") row = { point: "started", token: nextToken, ranOut: false };
                else if (got === "resume" && row) {
                  row.token = nextToken;
                  row.ranOut = false;
                }
                nextToken++;
                break;
              }
              case "renew": {
                if (!mine) break;
                const ok = await renewLease(database.db, mine.lease);
                expect(ok).toBe(holds && row?.point !== "finished");
                if (ok && row) row.ranOut = false;
                break;
              }
              case "effect": {
                if (!mine) break;
                const advance = row?.point === "started" ? cardIds[2] : undefined;
                const got = await refusal(effect(mine.lease, op.client, advance));
                expect(got).toBe(holds ? "none" : "lost");
                if (holds && row) {
                  effects.push(op.client);
                  row.ranOut = false;
                  if (advance) row.point = "card_created";
                }
                break;
              }
              case "finish": {
                if (!mine) break;
                const got = await refusal(finishKey(database.db, mine.lease, { ok: "done" }));
                expect(got).toBe(holds ? "none" : "lost");
                if (holds && row) row = { point: "finished", token: null, ranOut: false };
                break;
              }
              case "unlock": {
                if (!mine) break;
                const got = await refusal(unlockKey(database.db, mine.lease));
                expect(got).toBe(holds ? "none" : "lost");
                if (holds && row) row.token = null;
                break;
              }
              case "release": {
                if (!mine) break;
                const got = await refusal(releaseKey(database.db, mine.lease));
                const releases = holds && row?.point === "started";
                expect(got).toBe(releases ? "none" : "lost");
                if (releases) row = null;
                break;
              }
            }
          }
          expect(await effectsOf(key)).toEqual(effects);
          const stored = await database.db
            .selectFrom("idempotency_keys")
            .select(["recovery_point"])
            .where("key", "=", key)
            .executeTakeFirst();
          expect(stored?.recovery_point ?? null).toBe((row as ModelRow | null)?.point ?? null);
        } finally {
          for (const h of held) h?.lease.stop();
        }
      }),
      { numRuns: 60 },
    );
  });
});
