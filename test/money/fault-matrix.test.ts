import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { simAdminOf } from "../fixtures/simulator-admin.ts";
import {
  expectLedgerBalanced,
  recoverUntilSettled,
  upstreamCardsPerRef,
  walletMinor,
} from "./helpers.ts";

/**
 * Every way the upstream's card-create call can go wrong, injected through the simulator's admin
 * API over real HTTP. Whatever the first answer, after recovery every debit has ended as a loaded
 * card or a refund, the ledger balances, and the upstream never holds two cards for one request.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;
let holderId: string;

const CREATE = "POST /api/v1/issuing/cards";

beforeAll(async () => {
  cardrail = await startCardrail({ RECOVERY_AFTER_MS: "0", UQPAY_TIMEOUT_MS: "400" });
  tenant = await cardrail.tenant({ fund: 1000 });
  holderId = await activeHolder(tenant);
});
afterAll(() => cardrail?.close());

async function sim(path: string, method: string, body?: unknown) {
  const res = await (await simAdminOf(cardrail.runtime))(path, method, body);
  if (!res.ok)
    throw new Error(`simulator admin ${method} ${path}: ${res.status} ${await res.text()}`);
}

const faults: {
  kind: string;
  rule: Record<string, unknown>;
  firstStatuses: number[];
  ends: "active" | "failed" | "either";
}[] = [
  // The upstream created the card but the answer was lost: the card must end active, never twice.
  { kind: "timeout", rule: { kind: "timeout", count: 1 }, firstStatuses: [503], ends: "active" },
  {
    kind: "connection reset",
    rule: { kind: "reset", count: 1 },
    firstStatuses: [503],
    ends: "active",
  },
  {
    kind: "malformed body",
    rule: { kind: "malformed", count: 1 },
    firstStatuses: [503],
    ends: "active",
  },
  // Refused before acting, several times (the client's own retries use up some).
  { kind: "500", rule: { kind: "500", count: 5 }, firstStatuses: [503, 201], ends: "active" },
  { kind: "503", rule: { kind: "503", count: 5 }, firstStatuses: [503, 201], ends: "active" },
  {
    kind: "429",
    rule: { kind: "429", count: 5, retryAfterSeconds: 1 },
    firstStatuses: [503, 201],
    ends: "active",
  },
  {
    kind: "slow success",
    rule: { kind: "latency", latencyMs: 150, count: 1 },
    firstStatuses: [201],
    ends: "active",
  },
  {
    kind: "slower than our timeout",
    rule: { kind: "latency", latencyMs: 800, count: 1 },
    firstStatuses: [503],
    ends: "active",
  },
  {
    kind: "success then card.create.failed",
    rule: { kind: "fail_after_success", count: 1 },
    firstStatuses: [201],
    ends: "failed",
  },
];

describe("the fault matrix at the card-create call", () => {
  for (const fault of faults) {
    it(`${fault.kind}: the debit ends as exactly one card or one refund`, async () => {
      const before = await walletMinor(cardrail, tenant.tenantId);
      await sim("/__sim/faults", "DELETE");
      await sim("/__sim/faults", "POST", { route: CREATE, ...fault.rule });

      const key = `fault-${fault.kind.replaceAll(" ", "-")}`;
      const first = await issueCard(tenant, { holderId, loadAmount: 10 }, key);
      expect(fault.firstStatuses, JSON.stringify(first.body)).toContain(first.status);
      if (first.status === 503) {
        expect(first.body.error.code).toBe("upstream_unavailable");
        expect(first.body.error.details.status).toBe("creating");
      }
      const cardId: string = first.body.cardId ?? first.body.error?.details?.cardId;
      expect(cardId).toBeTruthy();

      await sim("/__sim/faults", "DELETE");
      await recoverUntilSettled(cardrail);

      const card = await cardrail.runtime.database.db
        .selectFrom("cards")
        .selectAll()
        .where("id", "=", cardId)
        .executeTakeFirstOrThrow();
      if (fault.ends !== "either") expect(card.status).toBe(fault.ends);
      const after = await walletMinor(cardrail, tenant.tenantId);
      expect(after).toBe(card.status === "failed" ? before : before - 1000n);
      expect(upstreamCardsPerRef(cardrail).get(cardId) ?? 0).toBeLessThanOrEqual(1);

      // A retry with the same key creates nothing more: it replays the first outcome if there was
      // one (the contract), or answers from the settled card; GET shows where the money is now.
      const retry = await issueCard(tenant, { holderId, loadAmount: 10 }, key);
      if (first.status === 201) expect(retry.body).toEqual(first.body);
      else expect(retry.body.cardId).toBe(cardId);
      const now = await tenant.api(`/api/v1/cards/${cardId}`);
      expect(now.body).toMatchObject({
        status: card.status,
        loadedBalance: card.status === "failed" ? 0 : 10,
      });
      expect(await walletMinor(cardrail, tenant.tenantId)).toBe(after);
      await expectLedgerBalanced(cardrail);
    });
  }

  it("a retry with the same Idempotency-Key resumes an unknown outcome without a second upstream card", async () => {
    await sim("/__sim/faults", "DELETE");
    await sim("/__sim/faults", "POST", { route: CREATE, kind: "timeout", count: 1 });
    const first = await issueCard(tenant, { holderId, loadAmount: 3 }, "resume-me");
    expect(first.status).toBe(503);
    const retry = await issueCard(tenant, { holderId, loadAmount: 3 }, "resume-me");
    expect(retry.status).toBe(201);
    expect(retry.body.cardId).toBe(first.body.error.details.cardId);
    expect(upstreamCardsPerRef(cardrail).get(retry.body.cardId)).toBe(1);
    await recoverUntilSettled(cardrail);
    await expectLedgerBalanced(cardrail);
  });

  it("a definite refusal refunds at once, and its replay is the same 502 marked as replayed", async () => {
    await sim("/__sim/faults", "DELETE");
    const refusedHolder = await activeHolder(tenant);
    const row = await cardrail.runtime.database.db
      .selectFrom("cardholders")
      .select("issuer_cardholder_id")
      .where("id", "=", refusedHolder)
      .executeTakeFirstOrThrow();
    // The issuer withdraws its KYC approval after we saw ACTIVE: it refuses the card (400).
    await sim(`/__sim/cardholders/${row.issuer_cardholder_id}/kyc`, "POST", { status: "FAILED" });
    const before = await walletMinor(cardrail, tenant.tenantId);
    const first = await issueCard(
      tenant,
      { holderId: refusedHolder, loadAmount: 4 },
      "refused-once",
    );
    expect(first.status).toBe(502);
    expect(first.body.error).toMatchObject({
      code: "upstream_rejected",
      details: { status: "failed" },
    });
    expect(await walletMinor(cardrail, tenant.tenantId)).toBe(before);
    const again = await issueCard(
      tenant,
      { holderId: refusedHolder, loadAmount: 4 },
      "refused-once",
    );
    expect(again.status).toBe(502);
    // The first answer byte for byte: same keys in the same order, its requestId included.
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(first.body));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    await expectLedgerBalanced(cardrail);
  });

  it("every card in the run is settled and the upstream holds one card per card at most", async () => {
    await recoverUntilSettled(cardrail);
    const open = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select("id")
      .where("status", "in", ["creating", "pending"])
      .execute();
    expect(open).toEqual([]);
    for (const [ref, count] of upstreamCardsPerRef(cardrail)) expect(count, ref).toBe(1);
  });
});
