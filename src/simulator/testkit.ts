/** Helpers for the simulator's own tests (and handy for other test suites). */
import { randomUUID } from "node:crypto";
import { buildSimulator, type Simulator, type SimulatorOptions } from "./app.ts";
import { SIM_PRODUCT_USD_40963608 } from "./products.ts";

export const CLIENT = { clientId: "test-client", apiKey: "test-key" };
export const ADMIN_TOKEN = "test-admin-token-0123456789";
/** What every /__sim/ request carries. */
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

export async function startSim(opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return buildSimulator({ ...CLIENT, adminToken: ADMIN_TOKEN, seed: 42, ...opts });
}

export async function tokenFor(sim: Simulator): Promise<string> {
  const res = await sim.app.inject({
    method: "POST",
    url: "/api/v1/connect/token",
    headers: { "x-client-id": CLIENT.clientId, "x-api-key": CLIENT.apiKey },
  });
  return (res.json() as { auth_token: string }).auth_token;
}

/** A tiny client over inject(): fresh idempotency key per POST unless one is given. */
export async function client(sim: Simulator) {
  const token = await tokenFor(sim);
  const call = async (method: "GET" | "POST", url: string, payload?: unknown, key?: string) => {
    const headers: Record<string, string> = { "x-auth-token": `Bearer ${token}` };
    if (method === "POST") headers["x-idempotency-key"] = key ?? randomUUID();
    const res = await sim.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return {
      status: res.statusCode,
      // biome-ignore lint/suspicious/noExplicitAny: test responses are probed field by field; typing every wire shape here buys nothing
      body: res.json() as Record<string, any>,
      headers: res.headers,
    };
  };
  return {
    token,
    get: (url: string) => call("GET", url),
    post: (url: string, payload?: unknown, key?: string) => call("POST", url, payload ?? {}, key),
  };
}

let n = 0;
export function holder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    email: `holder${n}.${randomUUID().slice(0, 8)}@example.com`,
    first_name: "Ann",
    last_name: "Lee",
    country_code: "SG",
    phone_number: `9${String(Date.now() % 1e6).padStart(6, "0")}${String(n).padStart(4, "0")}`,
    ...overrides,
  };
}

export const TINY_PNG_B64 = Buffer.from("fake-png-bytes").toString("base64");

export function idCard(number: string) {
  return { type: "ID_CARD", number, front_file: TINY_PNG_B64, back_file: TINY_PNG_B64 };
}

export type Client = Awaited<ReturnType<typeof client>>;

/** Creates a SUCCESS cardholder and an ACTIVE card on the sandbox USD product. */
export async function activeCard(sim: Simulator, c: Client, extra: Record<string, unknown> = {}) {
  const ch = await c.post("/api/v1/issuing/cardholders", holder());
  const card = await c.post("/api/v1/issuing/cards", {
    card_currency: "USD",
    card_product_id: SIM_PRODUCT_USD_40963608,
    cardholder_id: ch.body.cardholder_id,
    card_limit: 500,
    ...extra,
  });
  sim.flush();
  return {
    cardholderId: ch.body.cardholder_id as string,
    cardId: card.body.card_id as string,
    create: card,
  };
}

/** Poll until `cond` holds (never asserts on timing; fails only if it never happens). */
export async function until(
  cond: () => boolean,
  what = "condition",
  maxMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
