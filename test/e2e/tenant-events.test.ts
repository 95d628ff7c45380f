import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../packages/sdk/src/index.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, createHolder, issueCard } from "../fixtures/flows.ts";
import { simAdminOf } from "../fixtures/simulator-admin.ts";

/**
 * The tenant-facing events come from the real flows (not from calling emitEvent by hand): a
 * receiver registered as a webhook endpoint sees the holder approved, the card created and
 * activated, and a failed card, each signed so that the SDK's verifier accepts it.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;
let receiver: Server;
let secret = "";
const received: { type: string; data: Record<string, unknown> }[] = [];

beforeAll(async () => {
  cardrail = await startCardrail({
    WEBHOOK_POLL_INTERVAL_MS: "50",
    RECOVERY_AFTER_MS: "0",
    RECOVERY_INTERVAL_MS: "100",
  });
  cardrail.runtime.startSweeps();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const payload = Buffer.concat(chunks).toString("utf8");
      try {
        verifyWebhook({ payload, header: String(req.headers["cardrail-signature"] ?? ""), secret });
        received.push(JSON.parse(payload));
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  tenant = await cardrail.tenant({ fund: 100 });
  const port = (receiver.address() as AddressInfo).port;
  const endpoint = await tenant.api("/api/v1/webhook-endpoints", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `http://127.0.0.1:${port}/hooks` }),
  });
  expect(endpoint.status).toBe(201);
  secret = endpoint.body.secret;
});
afterAll(async () => {
  await cardrail?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function eventually(predicate: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return predicate();
}

describe("tenant events from the real flows", () => {
  it("holder approved, card created, card activated: each once, signed, in the tenant's mode", async () => {
    const holderId = await activeHolder(tenant);
    const card = await issueCard(tenant, { holderId, loadAmount: 12 });
    expect(card.status).toBe(201);
    const cardId = card.body.cardId;
    const seen = (type: string, key: string, id: string) =>
      received.filter((e) => e.type === type && e.data[key] === id);

    expect(
      await eventually(() =>
        seen("card.status_changed", "cardId", cardId).some((e) => e.data.status === "active"),
      ),
    ).toBe(true);
    const approved = seen("cardholder.status_changed", "holderId", holderId);
    expect(approved).toHaveLength(1);
    expect(approved[0]?.data).toMatchObject({
      status: "ACTIVE",
      previousStatus: "IN_REVIEW",
      canIssueCard: true,
    });
    const created = seen("card.created", "cardId", cardId);
    expect(created).toHaveLength(1);
    expect(created[0]?.data).toMatchObject({ holderId, loadAmount: 12, currency: "USD" });
    expect(seen("card.status_changed", "cardId", cardId)[0]?.data).toMatchObject({
      previousStatus: "pending",
    });
    // Card data never travels in events.
    expect(JSON.stringify(received)).not.toMatch(/"card_number"|"cvv"/);
  });

  it("a rejected holder and a card the issuer fails are announced too", async () => {
    const rejected = await createHolder(tenant, { kycIdNumber: "REJECT-EVENTS" });
    expect(
      await eventually(() =>
        received.some(
          (e) =>
            e.type === "cardholder.status_changed" &&
            e.data.holderId === rejected &&
            e.data.status === "REJECTED",
        ),
      ),
    ).toBe(true);

    const holderId = await activeHolder(tenant);
    await (await simAdminOf(cardrail.runtime))("/__sim/faults", "POST", {
      route: "POST /api/v1/issuing/cards",
      kind: "fail_after_success",
      count: 1,
    });
    const card = await issueCard(tenant, { holderId, loadAmount: 3 });
    expect(card.status).toBe(201);
    expect(
      await eventually(() =>
        received.some((e) => e.type === "card.failed" && e.data.cardId === card.body.cardId),
      ),
    ).toBe(true);
    const failed = received.find(
      (e) => e.type === "card.failed" && e.data.cardId === card.body.cardId,
    );
    expect(failed?.data).toMatchObject({ status: "failed", loadedBalance: 0 });
  });
});
