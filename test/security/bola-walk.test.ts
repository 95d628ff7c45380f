import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/modules/tenants/api-keys.ts";
import { buildSimulator, type Simulator } from "../../src/simulator/app.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, cardholderForm, issueCard } from "../fixtures/flows.ts";
import { httpApi } from "../fixtures/http.ts";

/**
 * OWASP API1 (BOLA), walked over every route the app registers under /api/v1 (read from
 * printRoutes, so a new route is covered without touching this file): each `:param` is replaced by
 * each of tenant A's object ids, and the request is made with another tenant's key (test and live)
 * and with A's own key of the other mode. Routes with parameters must answer 404; no route may
 * answer 2xx with any of A's ids in the body; and A's objects are unchanged afterwards.
 */

let liveUpstream: Simulator;
let cardrail: TestCardrail;
let a: TestTenant;
const aIds: Record<string, string> = {};
const outsiders: Record<string, TestTenant> = {};

interface Route {
  method: string;
  path: string;
}

/** Routes from Fastify's printRoutes tree (commonPrefix: false), HEAD left out. */
function routesFromTree(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? "").length / 4;
    const segment = match[2] ?? "";
    stack.length = depth;
    stack.push(segment);
    const path = stack.join("");
    for (const method of (match[3] ?? "").split(",").map((m) => m.trim())) {
      if (method && method !== "HEAD") routes.push({ method, path });
    }
  }
  return routes;
}

async function raw(
  headers: Record<string, string>,
  method: string,
  path: string,
  body?: RequestInit["body"],
) {
  const { status, text } = await httpApi(cardrail.url, headers)(path, {
    method,
    headers: typeof body === "string" ? { "content-type": "application/json" } : {},
    body,
  });
  return { status, text };
}

beforeAll(async () => {
  liveUpstream = await buildSimulator({
    clientId: "live-client",
    apiKey: "live-key",
    adminToken: "live-admin-token-for-tests",
    reviewDelayMs: 50,
  });
  const address = await liveUpstream.app.listen({ port: 0, host: "127.0.0.1" });
  cardrail = await startCardrail({
    UQPAY_BASE_URL: `${address}/api`,
    UQPAY_CLIENT_ID: "live-client",
    UQPAY_API_KEY: "live-key",
  });
  a = await cardrail.tenant({ fund: 100 });
  aIds.holder = await activeHolder(a);
  const card = await issueCard(a, { holderId: aIds.holder, loadAmount: 10 }, "bola-a");
  expect(card.status, JSON.stringify(card.body)).toBe(201);
  aIds.card = card.body.cardId;
  aIds.uqpayCard = card.body.uqpayCardId;
  const endpoint = await a.api("/api/v1/webhook-endpoints", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: "http://127.0.0.1:9/hook", events: ["*"] }),
  });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBeLessThan(300);
  const endpointId = endpoint.body.id ?? endpoint.body.endpoint?.id ?? endpoint.body.endpointId;
  if (typeof endpointId === "string") aIds.endpoint = endpointId;
  for (let i = 0; i < 100 && !aIds.event; i++) {
    const events = await a.api("/api/v1/events");
    const first = (events.body.events ?? events.body.data ?? [])[0];
    if (first?.id) aIds.event = first.id;
    else await new Promise((r) => setTimeout(r, 50));
  }

  outsiders["tenant B (test)"] = await cardrail.tenant({ fund: 100 });
  outsiders["tenant C (live)"] = await cardrail.tenant({ mode: "live" });
  const aLive = await createApiKey(
    cardrail.runtime.database.db,
    cardrail.runtime.hashKey,
    a.tenantId,
    "live",
  );
  outsiders["tenant A's live key"] = {
    tenantId: a.tenantId,
    headers: { "x-api-key": aLive.apiKey, "x-access-key": aLive.accessKey },
    api: a.api,
  };
}, 60_000);

afterAll(async () => {
  await cardrail?.close();
  await liveUpstream?.close();
});

async function snapshotOfA() {
  const db = cardrail.runtime.database.db;
  const count = async (table: "reveal_audit" | "reveal_tokens" | "cards" | "cardholders") =>
    (
      await db
        .selectFrom(table)
        .select("tenant_id")
        .where("tenant_id", "=", a.tenantId)
        .where("mode", "=", "test")
        .execute()
    ).length;
  return {
    audit: await count("reveal_audit"),
    tokens: await count("reveal_tokens"),
    cards: await count("cards"),
    holders: await count("cardholders"),
    endpoints: JSON.stringify((await a.api("/api/v1/webhook-endpoints")).body),
    wallet: JSON.stringify((await a.api("/api/v1/wallet")).body.balances),
  };
}

describe("BOLA walk over every /api/v1 route", () => {
  it("finds the routes, including the ones added later (reveal token)", () => {
    const routes = routesFromTree(cardrail.runtime.app.printRoutes({ commonPrefix: false }));
    const api = routes.filter((r) => r.path.startsWith("/api/v1"));
    expect(api).toContainEqual({ method: "GET", path: "/api/v1/cards/:cardId" });
    expect(api).toContainEqual({ method: "POST", path: "/api/v1/cards/:cardId/reveal-token" });
    expect(api.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(aIds).sort()).toEqual(["card", "endpoint", "event", "holder", "uqpayCard"]);
  });

  it.each(["tenant B (test)", "tenant C (live)", "tenant A's live key"])(
    "%s gets 404 for every route with A's ids, and never 2xx with A's data",
    async (who) => {
      const outsider = outsiders[who] as TestTenant;
      const before = await snapshotOfA();
      const routes = routesFromTree(
        cardrail.runtime.app.printRoutes({ commonPrefix: false }),
      ).filter((r) => r.path.startsWith("/api/v1"));
      const idValues = Object.values(aIds);
      const failures: string[] = [];
      for (const route of routes) {
        const hasParams = route.path.includes("/:");
        const paths = hasParams
          ? idValues.map((id) => route.path.replace(/:[A-Za-z]+/g, encodeURIComponent(id)))
          : [route.path];
        const bodies: RequestInit["body"][] =
          route.method === "GET" || route.method === "DELETE"
            ? [undefined]
            : [
                JSON.stringify({
                  holderId: aIds.holder,
                  endpointId: aIds.endpoint,
                  loadAmount: 1,
                  currency: "USD",
                  card_product_id: "111031",
                  url: "http://127.0.0.1:9/x",
                }),
                cardholderForm(),
                // The card program's bodies (strict: each route refuses the others' fields).
                JSON.stringify({ amount: 1 }),
                JSON.stringify({ controls: { allow3dsTransactions: true } }),
                JSON.stringify({
                  amount: 1,
                  currency: "USD",
                  merchant: { name: "x", mcc: "5812" },
                }),
              ];
        for (const path of paths) {
          const statuses: number[] = [];
          for (const body of bodies) {
            const res = await raw(outsider.headers, route.method, path, body);
            statuses.push(res.status);
            const label = `${who} ${route.method} ${path} → ${res.status} ${res.text.slice(0, 200)}`;
            if (res.status >= 500) failures.push(`5xx: ${label}`);
            if (res.status < 300 && idValues.some((id) => res.text.includes(id)))
              failures.push(`A's data: ${label}`);
            if (hasParams && res.status < 300) failures.push(`2xx on A's id: ${label}`);
          }
          if (hasParams && !statuses.includes(404))
            failures.push(`no 404: ${who} ${route.method} ${path} → ${statuses.join(",")}`);
        }
      }
      expect(failures).toEqual([]);
      expect(await snapshotOfA()).toEqual(before);
    },
    120_000,
  );
});
