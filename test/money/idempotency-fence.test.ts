import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, cardholderForm, issueCard } from "../fixtures/flows.ts";
import { simAdminOf } from "../fixtures/simulator-admin.ts";
import { expectLedgerBalanced, upstreamCardsPerRef, walletMinor } from "./helpers.ts";

/**
 * One Idempotency-Key never yields two effects, under any timing. The first
 * request is stalled at the issuer (a simulator latency rule, over real HTTP) for longer than the
 * key's lease; a second request with the key arrives meanwhile. Before the fence, the second took
 * the key over and both answered 201 with two cards and two debits.
 *
 * The lease is the shortest the configuration allows (1 s); the stall is 2.5 s. Whatever the
 * machine's speed, the assertions are about outcomes only: exactly one effect, and the other
 * request answers 409 or the replay, never a second 201 without Idempotent-Replayed.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;

const STALL_MS = 2500;
const LEASE_MS = 1000;

beforeAll(async () => {
  cardrail = await startCardrail({
    IDEMPOTENCY_LOCK_TIMEOUT_MS: String(LEASE_MS),
    RECOVERY_AFTER_MS: "0",
  });
  tenant = await cardrail.tenant();
});
afterAll(() => cardrail?.close());

async function sim(path: string, method: string, body?: unknown) {
  const res = await (await simAdminOf(cardrail.runtime))(path, method, body);
  if (!res.ok)
    throw new Error(`simulator admin ${method} ${path}: ${res.status} ${await res.text()}`);
}

const stall = (route: string) =>
  sim("/__sim/faults", "POST", { route, kind: "latency", latencyMs: STALL_MS, count: 1 });

/** Resolves once the key's row exists (its request has claimed it), at `point` when given. */
async function keyExists(key: string, point?: "card_created") {
  for (let i = 0; i < 500; i++) {
    const row = await cardrail.runtime.database.db
      .selectFrom("idempotency_keys")
      .select("recovery_point")
      .where("key", "=", key)
      .executeTakeFirst();
    if (row && (!point || row.recovery_point === point)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves once the key's row exists, then after more than one lease has passed. */
async function pastTheLease(key: string, point?: "card_created") {
  await keyExists(key, point);
  await new Promise((r) => setTimeout(r, LEASE_MS + 300));
}

/**
 * What a takeover by another process looks like to the request holding the key (its process was
 * paused past its lease, say): a new token. The other holder then vanishes, its lease run out.
 */
async function takeOverBehindItsBack(key: string) {
  await cardrail.runtime.database.db
    .updateTable("idempotency_keys")
    .set({
      lock_token: sql<string>`gen_random_uuid()`,
      lease_expires_at: sql<Date>`now() - interval '1 second'`,
    })
    .where("key", "=", key)
    .execute();
}

type Answer = Awaited<ReturnType<typeof issueCard>>;

/** Exactly one first-hand 201; every other answer is a 409 in_use or the same body replayed. */
function expectOneFirstHandAnswer(answers: Answer[]) {
  const firstHand = answers.filter(
    (a) => a.status === 201 && a.headers.get("idempotent-replayed") !== "true",
  );
  expect(
    firstHand,
    JSON.stringify(answers.map((a) => [a.status, a.headers.get("idempotent-replayed")])),
  ).toHaveLength(1);
  for (const other of answers.filter((a) => a !== firstHand[0])) {
    if (other.status === 409) expect(other.body.error.code).toBe("idempotency_key_in_use");
    else {
      expect(other.status).toBe(201);
      expect(other.headers.get("idempotent-replayed")).toBe("true");
      expect(other.body).toEqual(firstHand[0]?.body);
    }
  }
}

const cardsOf = (tenantId: string) =>
  cardrail.runtime.database.db
    .selectFrom("cards")
    .select(["id", "status"])
    .where("tenant_id", "=", tenantId)
    .execute();

/**
 * A funded tenant whose holder the issuer has approved but whose webhook has not arrived yet: a
 * card request refreshes the status from the issuer first, and that call is the one that stalls.
 */
async function holderAwaitingRefresh() {
  const t = await cardrail.tenant({ fund: 100 });
  const holder = await activeHolder(t);
  await cardrail.runtime.database.db
    .updateTable("cardholders")
    .set({ status: "IN_REVIEW", last_synced_at: null })
    .where("id", "=", holder)
    .execute();
  await sim("/__sim/faults", "DELETE");
  await stall("GET /api/v1/issuing/cardholders/:id");
  return { t, holder };
}

describe("one Idempotency-Key, one card", () => {
  it("a request stalled past the lease before its debit keeps the key: one card, one debit", async () => {
    const { t, holder } = await holderAwaitingRefresh();

    const first = issueCard(t, { holderId: holder, loadAmount: 5 }, "stalled-before-debit");
    await pastTheLease("stalled-before-debit");
    const second = await issueCard(t, { holderId: holder, loadAmount: 5 }, "stalled-before-debit");
    const answers = [await first, second];

    expectOneFirstHandAnswer(answers);
    expect(await cardsOf(t.tenantId)).toHaveLength(1);
    expect(await walletMinor(cardrail, t.tenantId)).toBe(9500n);
    await expectLedgerBalanced(cardrail);
  });

  it("a request stalled past the lease at the card-create call keeps the key", async () => {
    const t = await cardrail.tenant({ fund: 100 });
    const holderId = await activeHolder(t);
    await sim("/__sim/faults", "DELETE");
    await stall("POST /api/v1/issuing/cards");

    const first = issueCard(t, { holderId, loadAmount: 7 }, "stalled-at-create");
    await pastTheLease("stalled-at-create", "card_created");
    const second = await issueCard(t, { holderId, loadAmount: 7 }, "stalled-at-create");
    const answers = [await first, second];

    expectOneFirstHandAnswer(answers);
    expect(await cardsOf(t.tenantId)).toHaveLength(1);
    expect(await walletMinor(cardrail, t.tenantId)).toBe(9300n);
    await expectLedgerBalanced(cardrail);
  });

  it("a request whose key was taken over before its debit commits nothing and answers 409", async () => {
    const { t, holder } = await holderAwaitingRefresh();

    const first = issueCard(t, { holderId: holder, loadAmount: 5 }, "stolen-before-debit");
    await keyExists("stolen-before-debit");
    await takeOverBehindItsBack("stolen-before-debit");
    const lost = await first;
    expect(lost.status).toBe(409);
    expect(lost.body.error.code).toBe("idempotency_key_in_use");
    expect(await cardsOf(t.tenantId)).toHaveLength(0);
    expect(await walletMinor(cardrail, t.tenantId)).toBe(10000n);

    // The other holder vanished without finishing: once its lease ran out, a retry completes.
    const retry = await issueCard(t, { holderId: holder, loadAmount: 5 }, "stolen-before-debit");
    expect(retry.status).toBe(201);
    expect(await cardsOf(t.tenantId)).toHaveLength(1);
    expect(await walletMinor(cardrail, t.tenantId)).toBe(9500n);
    await expectLedgerBalanced(cardrail);
  });

  it("a request whose key was taken over at the card-create call records nothing; the retry gets the one card", async () => {
    const t = await cardrail.tenant({ fund: 100 });
    const holderId = await activeHolder(t);
    await sim("/__sim/faults", "DELETE");
    await stall("POST /api/v1/issuing/cards");

    const first = issueCard(t, { holderId, loadAmount: 3 }, "stolen-at-create");
    // Debited, now waiting on the issuer's answer.
    await keyExists("stolen-at-create", "card_created");
    await takeOverBehindItsBack("stolen-at-create");
    const lost = await first;
    expect(lost.status).toBe(409);
    const [card] = await cardsOf(t.tenantId);
    // The issuer's answer was not recorded by the request that lost the key.
    expect(card?.status).toBe("creating");

    const retry = await issueCard(t, { holderId, loadAmount: 3 }, "stolen-at-create");
    expect(retry.status).toBe(201);
    expect(retry.body.cardId).toBe(card?.id);
    expect(upstreamCardsPerRef(cardrail).get(retry.body.cardId)).toBe(1);
    expect(await walletMinor(cardrail, t.tenantId)).toBe(9700n);
    await expectLedgerBalanced(cardrail);
  });

  it("the recovery sweep holds a card's key while it resolves the card: a retry meanwhile gets 409", async () => {
    const t = await cardrail.tenant({ fund: 100 });
    const holderId = await activeHolder(t);
    await sim("/__sim/faults", "DELETE");
    await sim("/__sim/faults", "POST", {
      route: "POST /api/v1/issuing/cards",
      kind: "503",
      count: 20,
    });
    const first = await issueCard(t, { holderId, loadAmount: 4 }, "swept-key");
    expect(first.status).toBe(503);
    const cardId = first.body.error.details.cardId;

    await sim("/__sim/faults", "DELETE");
    await stall("POST /api/v1/issuing/cards");
    const sweep = cardrail.runtime.recoverOnce();
    for (let i = 0; i < 500; i++) {
      const row = await cardrail.runtime.database.db
        .selectFrom("idempotency_keys")
        .select("lock_token")
        .where("key", "=", "swept-key")
        .executeTakeFirstOrThrow();
      if (row.lock_token) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const during = await issueCard(t, { holderId, loadAmount: 4 }, "swept-key");
    expect(during.status).toBe(409);
    expect((await sweep).examined).toBeGreaterThanOrEqual(1);

    const after = await issueCard(t, { holderId, loadAmount: 4 }, "swept-key");
    expect(after.status).toBe(201);
    expect(after.body.cardId).toBe(cardId);
    expect(upstreamCardsPerRef(cardrail).get(cardId)).toBe(1);
    expect(await walletMinor(cardrail, t.tenantId)).toBe(9600n);
    await expectLedgerBalanced(cardrail);
  });

  it("the recovery sweep leaves a card alone while its request still holds the key", async () => {
    const t = await cardrail.tenant({ fund: 100 });
    const holderId = await activeHolder(t);
    await sim("/__sim/faults", "DELETE");
    await stall("POST /api/v1/issuing/cards");

    const first = issueCard(t, { holderId, loadAmount: 2 }, "sweep-waits");
    await pastTheLease("sweep-waits", "card_created");
    const swept = await cardrail.runtime.recoverOnce();
    expect(swept.examined).toBe(0);
    const answer = await first;
    expect(answer.status).toBe(201);
    expect(await cardsOf(t.tenantId)).toHaveLength(1);
    await expectLedgerBalanced(cardrail);
  });
});

describe("one Idempotency-Key, one cardholder answer", () => {
  it("a cardholder request stalled past the lease at the issuer keeps the key", async () => {
    await sim("/__sim/faults", "DELETE");
    await stall("POST /api/v1/issuing/cardholders");
    const fields = {
      email: "fenced@example.com",
      mobile: "9222222222",
      kycIdNumber: "P000222",
    };
    const create = () =>
      tenant.api("/api/v1/cardholders", {
        method: "POST",
        body: cardholderForm(fields),
        headers: { "idempotency-key": "holder-stalled" },
      });

    const first = create();
    await pastTheLease("holder-stalled");
    const second = await create();
    const answers = [await first, second];

    expectOneFirstHandAnswer(answers);
    const holders = await cardrail.runtime.database.db
      .selectFrom("end_users")
      .select("id")
      .where("email", "=", "fenced@example.com")
      .execute();
    expect(holders).toHaveLength(1);
  });
});
