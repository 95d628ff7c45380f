import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, activeCard, client, holder, idCard, startSim } from "./testkit.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("state file", () => {
  it("survives a rebuild: cardholders, cards, balances, idempotency replays, tokens and pending reviews", async () => {
    dir = await mkdtemp(join(tmpdir(), "uqsim-"));
    const stateFile = join(dir, "nested", "state.json");
    const first = await startSim({ stateFile, seed: 5 });
    const c1 = await client(first);
    const { cardId, cardholderId } = await activeCard(first, c1);
    const pending = await c1.post(
      "/api/v1/issuing/cardholders",
      holder({ identity: idCard("S55") }),
    );
    const key = "7d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
    const bal = await c1.post("/api/v1/issuing/balances", { currency: "USD" }, key);
    await first.close();
    const snap = JSON.parse(await readFile(stateFile, "utf8"));
    expect(snap.version).toBe(1);

    const second = await startSim({ stateFile, seed: 5 });
    const res = await second.app.inject({
      method: "GET",
      url: `/api/v1/issuing/cards/${cardId}`,
      headers: { "x-auth-token": `Bearer ${c1.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      card_status: "ACTIVE",
      cardholder: { cardholder_id: cardholderId },
    });
    const c2 = await client(second);
    expect((await c2.get("/api/v1/issuing/cardholders")).body.total_items).toBe(2);
    expect(
      (await c2.get(`/api/v1/issuing/cardholders/${pending.body.cardholder_id}`)).body
        .cardholder_status,
    ).toBe("PENDING");
    second.flush();
    expect(
      (await c2.get(`/api/v1/issuing/cardholders/${pending.body.cardholder_id}`)).body
        .cardholder_status,
    ).toBe("SUCCESS");
    const replay = await c2.post("/api/v1/issuing/balances", { currency: "USD" }, key);
    expect(replay.body).toEqual(bal.body);
    const state = (
      await second.app.inject({ method: "GET", url: "/__sim/state", headers: ADMIN })
    ).json();
    expect(state).toMatchObject({
      cardholders: 2,
      cards: 1,
      balances: { USD: 10_000_000, SGD: 10_000_000 },
    });
    await second.close();
  });
});
