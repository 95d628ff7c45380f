import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { jpeg } from "../fixtures/files.ts";
import { cardholderForm, createHolder, waitForStatus } from "../fixtures/flows.ts";
import { simAdminOf } from "../fixtures/simulator-admin.ts";

/**
 * KYC that is never lost: the cardholder is committed (documents encrypted) before the issuer is
 * called, so an issuer that is down, failing or silent at submission still gets a 201 IN_REVIEW,
 * and the retry job lands the submission later with the same upstream key: one upstream
 * cardholder, whatever happened.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail({
    KYC_RETRY_INTERVAL_MS: "100",
    KYC_POLL_AFTER_MS: "200",
    UQPAY_TIMEOUT_MS: "400",
  });
  cardrail.runtime.startSweeps();
  tenant = await cardrail.tenant({ fund: 100 });
});
afterAll(() => cardrail?.close());

const CREATE = "POST /api/v1/issuing/cardholders";

async function sim(path: string, method: string, body?: unknown) {
  const res = await (await simAdminOf(cardrail.runtime))(path, method, body);
  if (!res.ok) throw new Error(`simulator admin ${method} ${path}: ${res.status}`);
}

function upstreamHoldersWithEmail(email: string): number {
  // Across every account: each tenant acts through a sub-account of its own.
  const accounts = cardrail.runtime.simulator?.ctx.accounts.all() ?? [];
  return accounts.flatMap((a) => [...a.cardholders.values()]).filter((c) => c.email === email)
    .length;
}

describe("durable KYC submission", () => {
  for (const fault of [
    { name: "issuer down (503)", rule: { kind: "503", count: 50 } },
    { name: "answer lost after the issuer acted (timeout)", rule: { kind: "timeout", count: 1 } },
    { name: "connection reset", rule: { kind: "reset", count: 1 } },
  ]) {
    it(`${fault.name}: 201 IN_REVIEW now, ACTIVE later, one upstream cardholder`, async () => {
      await sim("/__sim/faults", "POST", { route: CREATE, ...fault.rule });
      const email = `durable.${fault.rule.kind}.${Date.now()}@example.com`;
      const created = await tenant.api("/api/v1/cardholders", {
        method: "POST",
        body: cardholderForm({ email }),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.holderStatus).toBe("IN_REVIEW");
      await sim("/__sim/faults", "DELETE");

      expect(await waitForStatus(tenant, created.body.holderId, 15_000)).toBe("ACTIVE");
      expect(upstreamHoldersWithEmail(email)).toBe(1);
    });
  }

  it("keeps documents encrypted at rest: the stored blobs never contain the uploaded bytes", async () => {
    const marker = Buffer.from("THIS-IS-A-PASSPORT-SCAN-MARKER-0123456789");
    const front = Buffer.concat([jpeg(64), marker, Buffer.alloc(256, 3)]);
    const holderId = await createHolder(tenant, { docFront: front });
    const rows = await cardrail.runtime.database.db
      .selectFrom("kyc_documents")
      .selectAll()
      .where("cardholder_id", "=", holderId)
      .execute();
    expect(rows).toHaveLength(1);
    const root = join(cardrail.dataDir, "documents");
    const blob = await readFile(join(root, rows[0]?.storage_key ?? "missing"));
    expect(blob.includes(marker)).toBe(false);
    expect(blob.length).toBeGreaterThan(front.length);
    const files = await readdir(join(root, holderId));
    expect(files).toHaveLength(1);
  });

  it("INCOMPLETE is surfaced, and new documents are accepted without a new cardholder", async () => {
    const holderId = await createHolder(tenant, { kycIdNumber: "INCOMPLETE-1" });
    // The issuer says what it needs again, in the contract's field names.
    expect((await tenant.api(`/api/v1/cardholders/${holderId}/status`)).body).toMatchObject({
      status: "IN_REVIEW",
      canIssueCard: false,
      missingFields: ["docFront"],
    });
    const row = await cardrail.runtime.database.db
      .selectFrom("cardholders")
      .select("issuer_status")
      .where("id", "=", holderId)
      .executeTakeFirstOrThrow();
    expect(row.issuer_status).toBe("INCOMPLETE");

    const form = new FormData();
    form.append("kycIdNumber", "P7654321");
    form.append("docFront", new Blob([jpeg(300)]), "front.jpg");
    const resubmitted = await tenant.api(`/api/v1/cardholders/${holderId}/documents`, {
      method: "POST",
      body: form,
    });
    expect(resubmitted.status, JSON.stringify(resubmitted.body)).toBe(200);
    // In review again; in test mode the review may even have finished before the answer is sent.
    expect(resubmitted.body).toMatchObject({ success: true, holderId });
    expect(["IN_REVIEW", "ACTIVE"]).toContain(resubmitted.body.status);
    expect(await waitForStatus(tenant, holderId)).toBe("ACTIVE");
    const settled = await tenant.api(`/api/v1/cardholders/${holderId}/status`);
    expect(settled.body.missingFields).toBeUndefined();

    const docs = await cardrail.runtime.database.db
      .selectFrom("kyc_documents")
      .select(["deleted_at"])
      .where("cardholder_id", "=", holderId)
      .execute();
    expect(docs.filter((d) => d.deleted_at === null)).toHaveLength(1);
    expect(docs).toHaveLength(2);

    // Verified now: no more documents needed.
    const again = await tenant.api(`/api/v1/cardholders/${holderId}/documents`, {
      method: "POST",
      body: cardholderForm(),
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("kyc_already_decided");
  });

  it("resubmission follows the same rules (fields named) and another tenant gets 404", async () => {
    const holderId = await createHolder(tenant, { kycIdNumber: "INCOMPLETE-2" });
    const bad = new FormData();
    bad.append("kycExpiryDate", "2001-01-01");
    bad.append("docFront", new Blob([Buffer.from("#!/bin/sh\n")]), "front.jpg");
    const refused = await tenant.api(`/api/v1/cardholders/${holderId}/documents`, {
      method: "POST",
      body: bad,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      "docFront",
      "kycExpiryDate",
    ]);

    const other = await cardrail.tenant();
    const form = new FormData();
    form.append("docFront", new Blob([jpeg()]), "front.jpg");
    const stranger = await other.api(`/api/v1/cardholders/${holderId}/documents`, {
      method: "POST",
      body: form,
    });
    expect(stranger.status).toBe(404);
  });
});
