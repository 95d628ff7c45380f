import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../packages/sdk/src/webhooks.ts";
import { parseRetrySchedule } from "../../src/core/retry-schedule.ts";
import { createWebhookWorker } from "../../src/jobs/deliver-webhooks.ts";
import { createApiKey } from "../../src/modules/tenants/api-keys.ts";
import { type ClaimedDelivery, sendDelivery } from "../../src/modules/webhooks/deliver.ts";
import { createEndpoint } from "../../src/modules/webhooks/endpoints.ts";
import type { WebhookEventType } from "../../src/modules/webhooks/event-types.ts";
import { emitEvent, recordEvent } from "../../src/modules/webhooks/events.ts";
import { verifySignature } from "../../src/modules/webhooks/signing.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";

/*
 * Outbound webhooks against a real Cardrail (its own delivery worker running) and real HTTP
 * receivers on 127.0.0.1. Nothing here depends on timing: every wait polls until the expected
 * state is reached. The retry schedule is tiny, but long enough in total (≈ 3 s) that a test sees
 * failed attempts and brings its receiver back before the retries run out.
 */

const RETRY_SCHEDULE =
  "10ms,20ms,50ms,100ms,200ms,200ms,200ms,200ms,200ms,300ms,300ms,300ms,300ms,300ms,300ms";
const RETRIES = parseRetrySchedule(RETRY_SCHEDULE).length;

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on the delivered JSON field by field.
  body: any;
}

/** A tenant's webhook receiver: records every request; answers 200, or 500 while `failing`. */
class Receiver {
  received: Received[] = [];
  failing = false;
  private server: Server;
  port = 0;

  constructor() {
    this.server = this.makeServer();
  }

  private makeServer() {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const rawBody = Buffer.concat(chunks).toString("utf8");
        this.received.push({ headers: req.headers, rawBody, body: JSON.parse(rawBody) });
        res.statusCode = this.failing ? 500 : 200;
        res.end(this.failing ? "down for maintenance" : "ok");
      });
    });
  }

  async listen(port = 0) {
    this.server = this.makeServer();
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  forEvent(eventId: string) {
    return this.received.filter((r) => r.headers["cardrail-event-id"] === eventId);
  }
}

async function waitFor<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
): Promise<T> {
  // A generous bound only so that a broken build fails instead of hanging; never a timing assertion.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The scheme, computed here independently of Cardrail's helpers. */
function independentlyVerified(secret: string, rawBody: string, header: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match?.[1] || !match[2]) return false;
  const expected = createHmac("sha256", secret).update(`${match[1]}.${rawBody}`).digest();
  const given = Buffer.from(match[2], "hex");
  return Math.abs(Date.now() / 1000 - Number(match[1])) < 300 && timingSafeEqual(expected, given);
}

let cardrail: TestCardrail;
const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r = await new Receiver().listen();
  receivers.push(r);
  return r;
}

async function register(tenant: TestTenant, body: Record<string, unknown>) {
  const res = await tenant.api("/api/v1/webhook-endpoints", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; url: string; events: string[] };
}

async function emit(
  tenant: TestTenant,
  type: WebhookEventType = "card.created",
  data: object = { cardId: "card_x" },
) {
  const { id } = await recordEvent(cardrail.runtime.database.db, {
    tenantId: tenant.tenantId,
    mode: "test",
    type,
    data,
  });
  return id;
}

const eventLog = (tenant: TestTenant, eventId: string) =>
  tenant.api(`/api/v1/events/${eventId}`).then((r) => r.body);

beforeAll(async () => {
  cardrail = await startCardrail({
    WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE,
    WEBHOOK_POLL_INTERVAL_MS: "20",
    WEBHOOK_TIMEOUT_MS: "5000",
  });
  cardrail.runtime.startSweeps();
});
afterAll(async () => {
  await cardrail?.close();
  for (const r of receivers) await r.close().catch(() => {});
});

describe("webhook endpoints", () => {
  it("shows the secret once, lists without it, validates the URL and events", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    const created = await tenant.api("/api/v1/webhook-endpoints", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: hook.url, description: "main" }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      success: true,
      url: hook.url,
      events: ["*"],
      description: "main",
    });
    expect(created.body.id).toMatch(/^we_/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    expect(Number.isNaN(Date.parse(created.body.createdAt))).toBe(false);

    const list = await tenant.api("/api/v1/webhook-endpoints");
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      {
        id: created.body.id,
        url: hook.url,
        events: ["*"],
        description: "main",
        createdAt: created.body.createdAt,
      },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    const filtered = await register(tenant, {
      url: hook.url,
      events: ["card.failed", "card.created", "card.created"],
    });
    expect(filtered.events).toEqual(["card.created", "card.failed"]);

    for (const [body, field] of [
      [{ url: "ftp://example.com/x" }, "url"],
      [{ url: "not a url" }, "url"],
      [{ url: "https://user:pw@example.com/x" }, "url"],
      [{}, "url"],
      [{ url: hook.url, events: ["card.exploded"] }, "events.0"],
      [{ url: hook.url, events: [] }, "events"],
    ] as const) {
      const res = await tenant.api("/api/v1/webhook-endpoints", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }

    const deleted = await tenant.api(`/api/v1/webhook-endpoints/${filtered.id}`, {
      method: "DELETE",
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, id: filtered.id, deleted: true });
    const again = await tenant.api(`/api/v1/webhook-endpoints/${filtered.id}`, {
      method: "DELETE",
    });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("not_found");
    const after = await tenant.api("/api/v1/webhook-endpoints");
    expect(after.body.data.map((e: { id: string }) => e.id)).toEqual([created.body.id]);
  });

  it("refuses private addresses when WEBHOOK_ALLOW_PRIVATE_URLS is off", async () => {
    const tenant = await cardrail.tenant();
    const ctx = {
      db: cardrail.runtime.database.db,
      tenantId: tenant.tenantId,
      mode: "test" as const,
    };
    for (const url of [
      "http://127.0.0.1:9/x",
      "http://localhost/x",
      "http://10.1.2.3/x",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/x",
      "http://[::ffff:192.168.0.1]/x",
    ]) {
      await expect(
        createEndpoint(ctx, { allowPrivateUrls: false }, { url, events: ["*"] }),
        url,
      ).rejects.toMatchObject({ code: "validation_error" });
    }
    // A public literal address passes (no network needed for a literal).
    await expect(
      createEndpoint(
        ctx,
        { allowPrivateUrls: false },
        { url: "https://93.184.215.14/hook", events: ["*"] },
      ),
    ).resolves.toMatchObject({ url: "https://93.184.215.14/hook" });
  });
});

describe("delivery", () => {
  it("delivers subscribed events, signed with the endpoint's secret", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    const endpoint = await register(tenant, { url: hook.url, events: ["card.created"] });

    const ignored = await emit(tenant, "cardholder.status_changed", { holderId: "ch_1" });
    const eventId = await emit(tenant, "card.created", { cardId: "card_1", amount: 12n });
    const [delivery] = await waitFor(
      "the delivery",
      () => hook.forEvent(eventId),
      (r) => r.length > 0,
    );
    if (!delivery) throw new Error("unreachable");

    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["user-agent"]).toBe("Cardrail-Webhooks/1");
    expect(delivery.headers["cardrail-event-type"]).toBe("card.created");
    expect(delivery.body).toEqual({
      id: eventId,
      type: "card.created",
      createdAt: expect.any(String),
      mode: "test",
      data: { cardId: "card_1", amount: "12" },
    });
    const header = String(delivery.headers["cardrail-signature"]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    // Three verifiers: Cardrail's own helper, the SDK's, and the scheme computed right here.
    expect(verifySignature({ secret: endpoint.secret, rawBody: delivery.rawBody, header })).toBe(
      true,
    );
    expect(verifyWebhook({ payload: delivery.rawBody, header, secret: endpoint.secret })).toEqual(
      delivery.body,
    );
    expect(independentlyVerified(endpoint.secret, delivery.rawBody, header)).toBe(true);
    expect(independentlyVerified("whsec_wrong", delivery.rawBody, header)).toBe(false);
    expect(independentlyVerified(endpoint.secret, `${delivery.rawBody} `, header)).toBe(false);

    const log = await waitFor(
      "the log to show success",
      () => eventLog(tenant, eventId),
      (b) => b.deliveries?.[0]?.status === "succeeded",
    );
    expect(log).toMatchObject({ success: true, id: eventId, type: "card.created", mode: "test" });
    expect(log.data).toEqual({ cardId: "card_1", amount: "12" });
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({
      endpointId: endpoint.id,
      url: hook.url,
      status: "succeeded",
      attemptCount: 1,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(log.deliveries[0].attempts).toEqual([
      {
        attempt: 1,
        statusCode: 200,
        error: null,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(log)).not.toContain(endpoint.secret);

    // Not subscribed: recorded in the log, sent nowhere.
    expect((await eventLog(tenant, ignored)).deliveries).toEqual([]);
    expect(hook.forEvent(ignored)).toEqual([]);
  });

  it("keeps retrying a receiver answering 500 and delivers once it is back", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    hook.failing = true;
    const endpoint = await register(tenant, { url: hook.url });
    const eventId = await emit(tenant, "card.status_changed", {
      cardId: "card_2",
      status: "frozen",
    });

    const failing = await waitFor(
      "two failed attempts",
      () => eventLog(tenant, eventId),
      (b) => (b.deliveries?.[0]?.attempts?.length ?? 0) >= 2,
    );
    expect(failing.deliveries[0]).toMatchObject({
      status: "pending",
      lastStatusCode: 500,
      lastError: "HTTP 500",
    });
    expect(failing.deliveries[0].nextAttemptAt).toEqual(expect.any(String));
    hook.failing = false;

    const log = await waitFor(
      "success",
      () => eventLog(tenant, eventId),
      (b) => b.deliveries?.[0]?.status === "succeeded",
    );
    const attempts = log.deliveries[0].attempts;
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.map((a: { attempt: number }) => a.attempt)).toEqual(
      attempts.map((_: unknown, i: number) => i + 1),
    );
    expect(attempts.slice(0, -1).every((a: { statusCode: number }) => a.statusCode === 500)).toBe(
      true,
    );
    expect(attempts.at(-1)).toMatchObject({ statusCode: 200, error: null });
    // Every request carried this one event, each correctly signed: duplicates only by event id.
    const got = hook.forEvent(eventId);
    expect(got.length).toBe(attempts.length);
    for (const r of got) {
      expect(r.body.id).toBe(eventId);
      expect(
        independentlyVerified(endpoint.secret, r.rawBody, String(r.headers["cardrail-signature"])),
      ).toBe(true);
    }
    expect(new Set(got.map((r) => r.rawBody)).size).toBe(1); // the same bytes every time
  });

  it("survives a receiver that refuses connections, then comes up on its port", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    const port = hook.port;
    await hook.close(); // nothing listens there now: connection refused
    await register(tenant, { url: hook.url });
    const eventId = await emit(tenant, "card.failed", { cardId: "card_3", reason: "declined" });

    const down = await waitFor(
      "failed attempts",
      () => eventLog(tenant, eventId),
      (b) => (b.deliveries?.[0]?.attempts?.length ?? 0) >= 2,
    );
    expect(down.deliveries[0].lastStatusCode).toBeNull();
    expect(down.deliveries[0].lastError).toMatch(/ECONNREFUSED/);

    await hook.listen(port);
    await waitFor(
      "the delivery",
      () => hook.forEvent(eventId),
      (r) => r.length > 0,
    );
    const log = await waitFor(
      "success",
      () => eventLog(tenant, eventId),
      (b) => b.deliveries?.[0]?.status === "succeeded",
    );
    expect(log.deliveries[0].attempts.at(-1).statusCode).toBe(200);
  });

  it("gives up after the last retry, and a deleted endpoint's pending deliveries are cancelled", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    hook.failing = true;
    const endpoint = await register(tenant, { url: hook.url });
    const eventId = await emit(tenant);
    const log = await waitFor(
      "the retries to run out",
      () => eventLog(tenant, eventId),
      (b) => b.deliveries?.[0]?.status === "failed",
    );
    expect(log.deliveries[0].attemptCount).toBe(RETRIES + 1);
    expect(log.deliveries[0].attempts).toHaveLength(RETRIES + 1);
    expect(log.deliveries[0].nextAttemptAt).toBeNull();

    const second = await emit(tenant);
    await waitFor(
      "one failed attempt",
      () => eventLog(tenant, second),
      (b) => b.deliveries?.[0]?.attemptCount >= 1,
    );
    await tenant.api(`/api/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE" });
    const cancelled = await eventLog(tenant, second);
    expect(cancelled.deliveries[0]).toMatchObject({ status: "cancelled", endpointDeleted: true });
  });

  it("redelivers on request, to every endpoint or to one", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    const endpoint = await register(tenant, { url: hook.url });
    const eventId = await emit(tenant, "cardholder.status_changed", {
      holderId: "ch_2",
      status: "ACTIVE",
    });
    await waitFor(
      "success",
      () => eventLog(tenant, eventId),
      (b) => b.deliveries?.[0]?.status === "succeeded",
    );
    expect(hook.forEvent(eventId)).toHaveLength(1);

    const redo = await tenant.api(`/api/v1/events/${eventId}/redeliver`, { method: "POST" });
    expect(redo.status).toBe(202);
    expect(redo.body).toMatchObject({ success: true, eventId });
    expect(redo.body.scheduled.map((s: { endpointId: string }) => s.endpointId)).toEqual([
      endpoint.id,
    ]);
    await waitFor(
      "the second delivery",
      () => hook.forEvent(eventId),
      (r) => r.length === 2,
    );
    const log = await waitFor(
      "attempt 2 in the log",
      () => eventLog(tenant, eventId),
      (b) => b.deliveries[0].status === "succeeded" && b.deliveries[0].attempts.length === 2,
    );
    expect(log.deliveries[0].attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2]);

    // An endpoint registered after the event gets it when asked by id.
    const late = await receiver();
    const lateEndpoint = await register(tenant, { url: late.url, events: ["card.created"] });
    const one = await tenant.api(`/api/v1/events/${eventId}/redeliver`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpointId: lateEndpoint.id }),
    });
    expect(one.status).toBe(202);
    expect(one.body.scheduled).toEqual([
      { endpointId: lateEndpoint.id, nextAttemptAt: expect.any(String) },
    ]);
    const [got] = await waitFor(
      "the late delivery",
      () => late.forEvent(eventId),
      (r) => r.length === 1,
    );
    expect(
      verifySignature({
        secret: lateEndpoint.secret,
        rawBody: got?.rawBody ?? "",
        header: String(got?.headers["cardrail-signature"]),
      }),
    ).toBe(true);
    expect(hook.forEvent(eventId)).toHaveLength(2); // the first endpoint was not asked again

    const unknown = await tenant.api(`/api/v1/events/evt_nope/redeliver`, { method: "POST" });
    expect(unknown.status).toBe(404);
  });
});

describe("isolation", () => {
  it("another tenant, or the other mode, sees and touches nothing", async () => {
    const owner = await cardrail.tenant();
    const other = await cardrail.tenant();
    const hook = await receiver();
    const endpoint = await register(owner, { url: hook.url });
    const eventId = await emit(owner);
    await waitFor(
      "delivery",
      () => hook.forEvent(eventId),
      (r) => r.length > 0,
    );
    const otherEndpoint = await register(other, { url: hook.url });

    // The same tenant's live key: a different world.
    const live = await createApiKey(
      cardrail.runtime.database.db,
      cardrail.runtime.hashKey,
      owner.tenantId,
      "live",
    );
    const liveApi = (path: string, init: RequestInit = {}) =>
      fetch(`${cardrail.url}${path}`, {
        ...init,
        headers: {
          "x-api-key": live.apiKey,
          "x-access-key": live.accessKey,
          ...(init.headers as Record<string, string>),
        },
      });

    for (const api of [
      other.api,
      async (p: string, i?: RequestInit) => {
        const r = await liveApi(p, i);
        return { status: r.status, body: await r.json() };
      },
    ]) {
      expect((await api(`/api/v1/events/${eventId}`)).status).toBe(404);
      expect((await api(`/api/v1/events/${eventId}/redeliver`, { method: "POST" })).status).toBe(
        404,
      );
      const list = await api("/api/v1/events");
      expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(eventId);
      const endpoints = await api("/api/v1/webhook-endpoints");
      expect(endpoints.body.data.map((e: { id: string }) => e.id)).not.toContain(endpoint.id);
      const del = await api(`/api/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE" });
      expect(del.status).toBe(404);
      expect(del.body.error.code).toBe("not_found");
    }
    // Redelivering one's own event to someone else's endpoint: 404 as well.
    const cross = await owner.api(`/api/v1/events/${eventId}/redeliver`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpointId: otherEndpoint.id }),
    });
    expect(cross.status).toBe(404);
    // The owner's endpoint still exists; the other tenant's endpoint got nothing of the owner's.
    expect((await owner.api("/api/v1/webhook-endpoints")).body.data).toHaveLength(1);
    expect(hook.forEvent(eventId)).toHaveLength(1);
  });
});

describe("the event log", () => {
  it("pages newest first with limit and startingAfter", async () => {
    const tenant = await cardrail.tenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await emit(tenant, "card.created", { n: i }));
      await new Promise((r) => setTimeout(r, 2)); // distinct milliseconds: ids order by time
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await tenant.api(
        `/api/v1/events?limit=2${cursor ? `&startingAfter=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      if (!page.body.hasMore) break;
      cursor = seen.at(-1);
    }
    expect(seen).toEqual([...ids].reverse());
    const first = await tenant.api("/api/v1/events?limit=1");
    expect(first.body.data[0]).toEqual({
      id: ids[4],
      type: "card.created",
      createdAt: expect.any(String),
      mode: "test",
      data: { n: 4 },
    });
    expect((await tenant.api("/api/v1/events?limit=0")).status).toBe(400);
    expect((await tenant.api("/api/v1/events?limit=101")).status).toBe(400);
  });

  it("emitEvent joins the caller's transaction: rolled back, no event and no delivery", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    await register(tenant, { url: hook.url });
    const db = cardrail.runtime.database.db;
    await expect(
      db.transaction().execute(async (tx) => {
        await emitEvent(tx, {
          tenantId: tenant.tenantId,
          mode: "test",
          type: "card.created",
          data: { a: 1 },
        });
        throw new Error("the business change failed");
      }),
    ).rejects.toThrow("the business change failed");
    const list = await tenant.api("/api/v1/events");
    expect(list.body.data).toEqual([]);

    await db.transaction().execute(async (tx) => {
      await emitEvent(tx, {
        tenantId: tenant.tenantId,
        mode: "test",
        type: "card.created",
        data: { a: 2 },
      });
    });
    const [committed] = (await tenant.api("/api/v1/events")).body.data;
    expect(committed.data).toEqual({ a: 2 });
    await waitFor(
      "delivery",
      () => hook.forEvent(committed.id),
      (r) => r.length === 1,
    );
  });
});

describe("several workers", () => {
  it("never send the same attempt twice", async () => {
    const tenant = await cardrail.tenant();
    const hook = await receiver();
    await register(tenant, { url: hook.url });
    const db = cardrail.runtime.database.db;
    const settings = {
      allowPrivateUrls: true,
      timeoutMs: 5000,
      retrySchedule: [10],
      pollIntervalMs: 10,
      concurrency: 7,
    };
    // Two more workers next to the runtime's own, racing for the same rows.
    const workers = [1, 2].map(() =>
      createWebhookWorker({ db, log: { error() {}, warn() {}, info() {}, debug() {} }, settings }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await emit(tenant, "card.created", { n: i }));
    await waitFor(
      "all 40 deliveries",
      async () => {
        await Promise.all(workers.map((w) => w.runOnce()));
        return ids.filter((id) => hook.forEvent(id).length > 0).length;
      },
      (n) => n === 40,
    );
    // Every attempt answered 200, nothing crashed: so exactly one request per event.
    for (const id of ids) expect(hook.forEvent(id)).toHaveLength(1);
    for (const w of workers) await w.stop();
  });
});

describe("one attempt", () => {
  it("times out on a receiver that never answers, and stops at once on shutdown", async () => {
    const hang = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", () => resolve()));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`;
    const delivery: ClaimedDelivery = {
      id: 1n,
      claimToken: "t",
      attempt: 1,
      retryStep: 0,
      eventId: "evt_hang",
      eventType: "card.created",
      payload: "{}",
      endpointId: "we_hang",
      url,
      secret: "whsec_x",
    };
    try {
      const timedOut = await sendDelivery(
        delivery,
        { timeoutMs: 200, allowPrivateUrls: true },
        new AbortController().signal,
      );
      expect(timedOut).toMatchObject({ ok: false, statusCode: null, interrupted: false });
      expect(timedOut.error).toBe("timed out after 200 ms");

      const shutdown = new AbortController();
      const pending = sendDelivery(
        delivery,
        { timeoutMs: 60_000, allowPrivateUrls: true },
        shutdown.signal,
      );
      shutdown.abort();
      expect(await pending).toMatchObject({ ok: false, interrupted: true });

      const refused = await sendDelivery(
        { ...delivery, url: "http://127.0.0.1:9/" },
        { timeoutMs: 5000, allowPrivateUrls: false },
        new AbortController().signal,
      );
      expect(refused.error).toMatch(/^refused: the URL must not point at a private/);
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((resolve) => hang.close(() => resolve()));
    }
  });
});
