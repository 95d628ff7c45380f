import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { SIM_PRODUCT_USD_40963608 } from "./products.ts";
import { ADMIN, activeCard, client, holder, startSim } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => {
  await sim?.close();
});

const CARDHOLDERS = "/api/v1/issuing/cardholders";

async function subAccount(s: Simulator): Promise<string> {
  const res = await s.app.inject({ method: "POST", url: "/__sim/sub-accounts", headers: ADMIN });
  expect(res.statusCode).toBe(201);
  return res.json().account_id as string;
}

/** A client acting on behalf of `account` (undefined: the master account). */
async function onBehalf(s: Simulator, account: string | undefined) {
  const base = await client(s);
  const call = async (method: "GET" | "POST", url: string, payload?: unknown) => {
    const headers: Record<string, string> = { "x-auth-token": `Bearer ${base.token}` };
    if (account) headers["x-on-behalf-of"] = account;
    if (method === "POST") headers["x-idempotency-key"] = randomUUID();
    const res = await s.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: res.statusCode, body: res.json() };
  };
  return {
    get: (url: string) => call("GET", url),
    post: (url: string, payload: unknown = {}) => call("POST", url, payload),
  };
}

describe("sub-accounts (x-on-behalf-of)", () => {
  it("keeps each account's cardholders and their email/phone uniqueness apart", async () => {
    sim = await startSim();
    const [a, b] = [await subAccount(sim), await subAccount(sim)];
    const asA = await onBehalf(sim, a);
    const asB = await onBehalf(sim, b);
    const person = holder();
    const inA = await asA.post(CARDHOLDERS, person);
    expect(inA.status).toBe(201);
    // The same person in another account is a fresh cardholder there.
    const inB = await asB.post(CARDHOLDERS, {
      ...person,
      email: String(person.email).toUpperCase(),
    });
    expect(inB.status).toBe(201);
    expect(inB.body.cardholder_id).not.toBe(inA.body.cardholder_id);
    // Within one account the duplicate is still refused.
    const again = await asA.post(CARDHOLDERS, person);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("email_already_exists");
    // Lookups and lists see only the account's own data.
    expect((await asB.get(`${CARDHOLDERS}/${inA.body.cardholder_id}`)).status).toBe(400);
    expect((await asA.get(`${CARDHOLDERS}/${inA.body.cardholder_id}`)).status).toBe(200);
    const listA = await asA.get(CARDHOLDERS);
    expect(listA.body.data.map((c: { cardholder_id: string }) => c.cardholder_id)).toEqual([
      inA.body.cardholder_id,
    ]);
    expect((await (await onBehalf(sim, undefined)).get(CARDHOLDERS)).body.data).toEqual([]);
  });

  it("keeps cards apart, runs each account's jobs in that account, and funds each balance", async () => {
    sim = await startSim({ initialBalances: { USD: 100 } });
    const a = await subAccount(sim);
    const asA = await onBehalf(sim, a);
    const ch = await asA.post(CARDHOLDERS, holder());
    const card = await asA.post("/api/v1/issuing/cards", {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_USD_40963608,
      cardholder_id: ch.body.cardholder_id,
      card_limit: 10,
    });
    expect(card.status).toBe(201);
    sim.flush();
    const got = await asA.get(`/api/v1/issuing/cards/${card.body.card_id}`);
    expect(got.body.card_status).toBe("ACTIVE");
    const master = await onBehalf(sim, undefined);
    expect((await master.get(`/api/v1/issuing/cards/${card.body.card_id}`)).status).toBe(400);
    // A master cardholder cannot be used from the sub-account.
    const masterHolder = await master.post(CARDHOLDERS, holder());
    const cross = await asA.post("/api/v1/issuing/cards", {
      card_currency: "USD",
      card_product_id: SIM_PRODUCT_USD_40963608,
      cardholder_id: masterHolder.body.cardholder_id,
      card_limit: 10,
    });
    expect(cross.status).toBe(400);
    // Admin calls by id find the owning account.
    const refund = await sim.app.inject({
      method: "POST",
      url: `/__sim/cards/${card.body.card_id}/refund`,
      headers: ADMIN,
      payload: { amount: 1 },
    });
    expect(refund.statusCode).toBe(200);
  });

  it("answers sub_account_not_found for an unknown account", async () => {
    sim = await startSim();
    const stranger = await onBehalf(sim, randomUUID());
    const res = await stranger.get(CARDHOLDERS);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: "account_error", code: "sub_account_not_found" });
  });

  it("survives a restart from the state file", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "sim-sub-"));
    const stateFile = join(dir, "state.json");
    const first = await startSim({ stateFile });
    const a = await subAccount(first);
    const c = await client(first);
    await activeCard(first, c);
    const ch = await (await onBehalf(first, a)).post(CARDHOLDERS, holder());
    await first.close();
    sim = await startSim({ stateFile });
    const asA = await onBehalf(sim, a);
    expect((await asA.get(`${CARDHOLDERS}/${ch.body.cardholder_id}`)).status).toBe(200);
    await rm(dir, { recursive: true, force: true });
  });
});
