import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { ADMIN, CLIENT, client, startSim, tokenFor } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => sim?.close());

describe("token", () => {
  it("issues a 3-part HS256 JWT with the upstream claims and expired_at in seconds", async () => {
    sim = await startSim({ now: () => 1_795_000_000_000 });
    const res = await sim.app.inject({
      method: "POST",
      url: "/api/v1/connect/token",
      headers: { "x-client-id": CLIENT.clientId, "x-api-key": CLIENT.apiKey },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(["auth_token", "expired_at"]);
    expect(body.auth_token.split(".")).toHaveLength(3);
    expect(body.expired_at).toBe(1_795_000_000 + 1800);
    const claims = decodeJwt(body.auth_token);
    for (const k of [
      "entity_id",
      "short_entity_id",
      "parent_entity_id",
      "client_id",
      "api_version",
      "bus_type",
      "exp",
      "iss",
    ])
      expect(claims).toHaveProperty(k);
    expect(claims.client_id).toBe(CLIENT.clientId);
    expect(claims.iss).toBe("uqpay");
  });

  it("rejects a wrong client id with 400 'Invalid client id' and a wrong key with 401", async () => {
    sim = await startSim();
    const bad = await sim.app.inject({
      method: "POST",
      url: "/api/v1/connect/token",
      headers: { "x-client-id": "nope", "x-api-key": CLIENT.apiKey },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe("Invalid client id");
    const badKey = await sim.app.inject({
      method: "POST",
      url: "/api/v1/connect/token",
      headers: { "x-client-id": CLIENT.clientId, "x-api-key": "wrong" },
    });
    expect(badKey.statusCode).toBe(401);
    expect(badKey.json()).toMatchObject({ type: "unauthorized_error", code: "unauthorized_error" });
  });

  it("accepts a bare JWT (older v1.6 pages) unless requireBearer is set", async () => {
    sim = await startSim();
    const token = await tokenFor(sim);
    const get = (h: string) =>
      sim.app.inject({
        method: "GET",
        url: "/api/v1/issuing/products",
        headers: { "x-auth-token": h },
      });
    expect((await get(token)).statusCode).toBe(200);
    expect((await get(`Bearer ${token}`)).statusCode).toBe(200);
    expect((await get(`Bearer  ${token}`)).statusCode).toBe(401);
    expect((await get(`Token ${token}`)).statusCode).toBe(401);
    await sim.app.inject({
      method: "PUT",
      url: "/__sim/settings",
      headers: ADMIN,
      payload: { requireBearer: true },
    });
    const bare = await get(token);
    expect(bare.statusCode).toBe(401);
    expect(bare.json()).toMatchObject({ type: "unauthorized_error" });
    expect((await get(`Bearer ${token}`)).statusCode).toBe(200);
  });

  it("limits POST /v1/connect/token separately when tokenRateLimitPerMinute is set", async () => {
    sim = await startSim({ tokenRateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) await tokenFor(sim);
    const res = await sim.app.inject({
      method: "POST",
      url: "/api/v1/connect/token",
      headers: { "x-client-id": "test-client", "x-api-key": "test-key" },
    });
    expect(res.statusCode).toBe(429);
    expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ code: "too_many_requests" });
    // After the window the token endpoint answers again; business calls never count against it.
    sim.advanceClock(61_000);
    const c = await client(sim);
    expect((await c.get("/api/v1/issuing/products")).status).toBe(200);
  });

  it("answers 401 unauthorized_error for missing, malformed and forged tokens", async () => {
    sim = await startSim();
    const token = await tokenFor(sim);
    for (const header of [undefined, "", "Bearer", "Bearer abc.def.ghi", `Bearer ${token}x`]) {
      const res = await sim.app.inject({
        method: "GET",
        url: "/api/v1/issuing/products",
        headers: header === undefined ? {} : { "x-auth-token": header },
      });
      expect(res.statusCode).toBe(401);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(["code", "message", "type"]);
      expect(body).toMatchObject({ type: "unauthorized_error", code: "unauthorized_error" });
    }
  });

  it("rejects an expired token with a message containing 'token has expired'", async () => {
    sim = await startSim({ tokenTtlSeconds: 60 });
    const c = await client(sim);
    expect((await c.get("/api/v1/issuing/products")).status).toBe(200);
    sim.advanceClock(61_000);
    const res = await c.get("/api/v1/issuing/products");
    expect(res.status).toBe(401);
    expect(res.body.message).toContain("token has expired");
  });

  it("lets tokens coexist by default, and revokes older ones when configured not to", async () => {
    sim = await startSim();
    const a = await client(sim);
    await client(sim);
    expect((await a.get("/api/v1/issuing/products")).status).toBe(200);
    await sim.close();
    sim = await startSim({ tokensCoexist: false });
    const first = await client(sim);
    const second = await client(sim);
    expect((await first.get("/api/v1/issuing/products")).status).toBe(401);
    expect((await second.get("/api/v1/issuing/products")).status).toBe(200);
  });

  it("rejects an unknown x-on-behalf-of sub-account with account_error", async () => {
    sim = await startSim();
    const token = await tokenFor(sim);
    const res = await sim.app.inject({
      method: "GET",
      url: "/api/v1/issuing/products",
      headers: {
        "x-auth-token": `Bearer ${token}`,
        "x-on-behalf-of": "2f1b3c0e-1111-4222-8333-444455556666",
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: "account_error", code: "sub_account_not_found" });
  });
});
