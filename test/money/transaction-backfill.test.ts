import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startCardrail, type TestCardrail } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";
import { simAdminOf } from "../fixtures/simulator-admin.ts";

/**
 * A missed webhook never means a missing transaction: what the issuer lists is read back and
 * recorded, once, however often the backfill runs.
 */

let cardrail: TestCardrail;
beforeAll(async () => {
  cardrail = await startCardrail({ TRANSACTION_SYNC_INTERVAL_MS: "60000" });
});
afterAll(async () => {
  await cardrail?.close();
});

it("records the transactions whose webhooks were lost, and nothing twice", async () => {
  const tenant = await cardrail.tenant({ fund: 50 });
  const issued = await issueCard(
    tenant,
    { holderId: await activeHolder(tenant), loadAmount: 20 },
    randomUUID(),
  );
  const cardId = issued.body.cardId as string;
  for (let i = 0; i < 200; i++) {
    if ((await tenant.api(`/api/v1/cards/${cardId}`)).body.status === "active") break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const purchase = await tenant.api(`/api/v1/test-helpers/cards/${cardId}/authorizations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ amount: 7, currency: "USD", merchant: { name: "Cafe", mcc: "5812" } }),
  });
  expect(purchase.body.status).toBe("approved");

  // From now on every issuer webhook is lost; the issuer settles the purchase and charges a fee.
  const sim = await simAdminOf(cardrail.runtime);
  await sim("/__sim/webhooks", "PUT", { dropRate: 1 });
  const settled = await sim(
    `/__sim/transactions/${purchase.body.issuerTransactionId}/settle`,
    "POST",
    {},
  );
  expect(settled.status).toBeLessThan(300);
  const listed = async () =>
    (
      (await tenant.api(`/api/v1/cards/${cardId}/transactions`)).body.data as {
        type: string;
        status: string;
      }[]
    )
      .map((t) => `${t.type}:${t.status}`)
      .sort();
  expect(await listed()).toEqual(["authorization:approved"]);

  const db = cardrail.runtime.database.db;
  const due = () =>
    db.updateTable("transaction_sync").set({ next_run_at: sql<Date>`now()` }).execute();
  await due();
  const first = await cardrail.runtime.backfillTransactionsOnce();
  expect(first, JSON.stringify(first)).toMatchObject({ tenants: 1, recorded: 1, failed: 0 });
  expect(await listed()).toEqual(["authorization:settled", "settlement:settled"]);

  // Again: nothing new, nothing twice (and no second event).
  await due();
  expect((await cardrail.runtime.backfillTransactionsOnce()).recorded).toBe(0);
  expect(await listed()).toEqual(["authorization:settled", "settlement:settled"]);
  const events = (await tenant.api("/api/v1/events?limit=100")).body.data as { type: string }[];
  expect(events.filter((e) => e.type === "transaction.created")).toHaveLength(2);
});
