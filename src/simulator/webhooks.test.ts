import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { ADMIN, activeCard, client, startSim, until } from "./testkit.ts";

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

let sim: Simulator | undefined;
let server: Server | undefined;
afterEach(async () => {
  await sim?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  sim = undefined;
  server = undefined;
});

/** A receiver that answers `statuses` in turn (then 200) and resolves when `want` bodies arrived. */
async function receiver(statuses: number[] = []) {
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      got.push({ headers: req.headers, raw });
      res.statusCode = statuses.shift() ?? 200;
      res.end("ok");
      for (const w of waiters) if (got.length >= w.n) w.resolve();
    });
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      if (got.length >= n) resolve();
      else waiters.push({ n, resolve });
    });
  return { got, url, waitFor };
}

function verify(secret: string, r: Received): boolean {
  const ts = String(r.headers["x-wk-timestamp"]);
  const expected = createHmac("sha512", secret)
    .update(r.raw + ts)
    .digest("hex");
  const sig = String(r.headers["x-wk-signature"]);
  return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

describe("webhooks", () => {
  it("delivers v1.6 envelopes signed with HMAC-SHA512(secret, body + timestamp)", async () => {
    const rx = await receiver();
    sim = await startSim({ webhook: { url: rx.url, secret: "whsec_test" } });
    const c = await client(sim);
    const { cardId } = await activeCard(sim, c);
    await rx.waitFor(1);
    const r = rx.got[0] as Received;
    expect(verify("whsec_test", r)).toBe(true);
    expect(verify("other", r)).toBe(false);
    expect(String(r.headers["x-wk-timestamp"])).toMatch(/^\d{10}$/);
    const body = JSON.parse(r.raw);
    expect(body).toMatchObject({
      version: "V1.6.0",
      event_name: "ISSUING",
      event_type: "card.create.succeeded",
    });
    expect(Object.keys(body).sort()).toEqual([
      "data",
      "event_id",
      "event_name",
      "event_type",
      "source_id",
      "version",
    ]);
    expect(body.data.card_id).toBe(cardId);
    expect(typeof body.data.card_available_balance).toBe("string");
  });

  it("retries failed deliveries", async () => {
    const rx = await receiver([500, 503]);
    sim = await startSim({ webhook: { url: rx.url, secret: "s" } });
    sim.ctx.webhooks.knobs.retryBaseMs = 1;
    const c = await client(sim);
    await activeCard(sim, c);
    await rx.waitFor(3);
    const ids = rx.got.map((g) => JSON.parse(g.raw).event_id);
    expect(new Set(ids).size).toBe(1);
    const s = sim;
    await until(() => s.ctx.webhooks.deliveries.length >= 3, "three delivery records");
    expect(s.ctx.webhooks.deliveries.map((d) => d.status)).toEqual([500, 503, 200]);
  });

  it("duplicates and drops on request (knobs)", async () => {
    const rx = await receiver();
    sim = await startSim({ webhook: { url: rx.url, secret: "s" } });
    const c = await client(sim);
    await sim.app.inject({
      method: "PUT",
      url: "/__sim/webhooks",
      headers: ADMIN,
      payload: { duplicateRate: 1 },
    });
    await activeCard(sim, c);
    await rx.waitFor(2);
    expect(JSON.parse(rx.got[0]?.raw ?? "").event_id).toBe(
      JSON.parse(rx.got[1]?.raw ?? "").event_id,
    );
    await sim.app.inject({
      method: "PUT",
      url: "/__sim/webhooks",
      headers: ADMIN,
      payload: { duplicateRate: 0, dropRate: 1 },
    });
    await activeCard(sim, c);
    const log = (
      await sim.app.inject({ method: "GET", url: "/__sim/webhooks", headers: ADMIN })
    ).json();
    expect(log.deliveries.at(-1).status).toBe("dropped");
  });

  it("reorders a burst within the window", async () => {
    const rx = await receiver();
    sim = await startSim({ webhook: { url: rx.url, secret: "s" }, seed: 3 });
    const c = await client(sim);
    await sim.app.inject({
      method: "PUT",
      url: "/__sim/webhooks",
      headers: ADMIN,
      payload: { reorder: true, reorderWindowMs: 20 },
    });
    const { cardId } = await activeCard(sim, c);
    for (const s of ["FROZEN", "ACTIVE", "FROZEN", "ACTIVE", "FROZEN", "ACTIVE"])
      await c.post(`/api/v1/issuing/cards/${cardId}/status`, { card_status: s });
    await rx.waitFor(7);
    const emitted = sim.ctx.webhooks.events.map((e) => e.event_id);
    const delivered = rx.got.map((g) => JSON.parse(g.raw).event_id);
    expect([...delivered].sort()).toEqual([...emitted.slice(0, 7)].sort());
  });
});
