import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../src/modules/tenants/api-keys.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { jpeg } from "../fixtures/files.ts";
import {
  activeHolder,
  cardholderForm,
  createHolder,
  issueCard,
  waitForStatus,
} from "../fixtures/flows.ts";
import { httpApi } from "../fixtures/http.ts";

/** Every row of the contract's error table, through the real API, in the contract's envelope. */

let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant({ fund: 100 });
});
afterAll(() => cardrail?.close());

type Res = Awaited<ReturnType<TestTenant["api"]>>;

function expectError(res: Res, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
  expect(res.body.requestId).toEqual(expect.any(String));
  expect(res.headers.get("x-request-id")).toBe(res.body.requestId);
}

const raw = (path: string, init: RequestInit = {}): Promise<Res> =>
  httpApi(cardrail.url)(path, init);

const withoutRequestId = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });

async function walletOf(t: TestTenant) {
  return (await t.api("/api/v1/wallet")).body.balances;
}

describe("401 invalid_credentials", () => {
  it("answers missing, unknown, wrong, revoked and mismatched credentials identically", async () => {
    const db = cardrail.runtime.database.db;
    const second = await createApiKey(db, cardrail.runtime.hashKey, tenant.tenantId, "test");
    const revoked = await createApiKey(db, cardrail.runtime.hashKey, tenant.tenantId, "test");
    expect(await revokeApiKey(db, revoked.apiKey)).toBe(true);
    const own = tenant.headers["x-api-key"] as string;
    const ownSecret = tenant.headers["x-access-key"] as string;

    const attempts: [string, Record<string, string>][] = [
      ["no headers", {}],
      ["only X-Api-Key", { "x-api-key": own }],
      ["only X-Access-Key", { "x-access-key": ownSecret }],
      ["empty headers", { "x-api-key": "", "x-access-key": "" }],
      ["unknown key", { "x-api-key": "dk_test_doesnotexist", "x-access-key": ownSecret }],
      ["very long key", { "x-api-key": `dk_test_${"x".repeat(500)}`, "x-access-key": ownSecret }],
      ["wrong secret", { "x-api-key": own, "x-access-key": "sk_test_wrong" }],
      ["revoked key", { "x-api-key": revoked.apiKey, "x-access-key": revoked.accessKey }],
      ["key id with another key's secret", { "x-api-key": own, "x-access-key": second.accessKey }],
      [
        "another key's id with this secret",
        { "x-api-key": second.apiKey, "x-access-key": ownSecret },
      ],
      ["swapped headers", { "x-api-key": ownSecret, "x-access-key": own }],
    ];
    const bodies = new Set<string>();
    for (const [label, headers] of attempts) {
      for (const [path, init] of [
        ["/api/v1/wallet", {}],
        ["/api/v1/cardholders/ch_x/status", {}],
        ["/api/v1/cards/card_x/reveal", {}],
        [
          "/api/v1/cards",
          { method: "POST", headers: { "content-type": "application/json" }, body: "{" },
        ],
        ["/api/v1/cardholders", { method: "POST", body: cardholderForm() }],
      ] as [string, RequestInit][]) {
        const res = await raw(path, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), ...headers },
        });
        expectError(res, 401, "invalid_credentials");
        expect(res.body.error.message, label).toBe("Invalid API credentials");
        bodies.add(JSON.stringify(withoutRequestId(res.body)));
      }
    }
    expect(bodies.size).toBe(1);
    // The second key itself works: the failures above are about the pairing, not the keys.
    expect(
      (
        await raw("/api/v1/wallet", {
          headers: { "x-api-key": second.apiKey, "x-access-key": second.accessKey },
        })
      ).status,
    ).toBe(200);
  });
});

describe("402 insufficient_balance", () => {
  it("refuses a load the wallet cannot pay, creating and debiting nothing", async () => {
    const poor = await cardrail.tenant({ fund: 10 });
    const holderId = await activeHolder(poor);
    const res = await issueCard(poor, { holderId, loadAmount: 10.01 }, "too-much");
    expectError(res, 402, "insufficient_balance");
    // It says what was there and what was needed.
    expect(res.body.error.message).toBe(
      "Insufficient wallet balance: USD 10.00 available, 10.01 needed",
    );
    expect(res.body.error.details).toEqual({ available: 10, required: 10.01, currency: "USD" });
    const unfunded = await cardrail.tenant();
    const unfundedHolder = await activeHolder(unfunded);
    const empty = await issueCard(unfunded, { holderId: unfundedHolder, loadAmount: 1 });
    expectError(empty, 402, "insufficient_balance");
    expect(empty.body.error.details).toEqual({ available: 0, required: 1, currency: "USD" });

    const cards = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select("id")
      .where("tenant_id", "in", [poor.tenantId, unfunded.tenantId])
      .execute();
    expect(cards).toEqual([]);
    expect(await walletOf(poor)).toEqual([{ currency: "USD", balance: 10 }]);
    // The exact balance is still payable: the refusal left nothing held.
    const exact = await issueCard(poor, { holderId, loadAmount: 10 }, "too-much");
    expect(exact.status, JSON.stringify(exact.body)).toBe(201);
    expect(await walletOf(poor)).toEqual([{ currency: "USD", balance: 0 }]);
  });
});

describe("404 not_found", () => {
  it("answers an unknown cardholder, card and route", async () => {
    expectError(await tenant.api("/api/v1/cardholders/ch_doesnotexist/status"), 404, "not_found");
    expectError(await tenant.api("/api/v1/cardholders/183633/status"), 404, "not_found");
    expectError(await tenant.api("/api/v1/cards/card_doesnotexist"), 404, "not_found");
    expectError(await tenant.api("/api/v1/cards/98765/reveal"), 404, "not_found");
    expectError(await issueCard(tenant, { holderId: "ch_doesnotexist" }), 404, "not_found");
    expectError(await tenant.api("/api/v1/nothing-here"), 404, "not_found");
    expectError(await tenant.api("/api/v2/cards", { method: "POST" }), 404, "not_found");
    expectError(await raw("/no/such/route"), 404, "not_found");
  });
});

describe("409 cardholder_under_verification and 422 cardholder_rejected", () => {
  it("refuses a card for a holder still in review (REVIEW…) and for a rejected one (REJECT…)", async () => {
    const reviewing = await createHolder(tenant, { kycIdNumber: "REVIEW0001" });
    const early = await issueCard(tenant, { holderId: reviewing, loadAmount: 1 });
    expectError(early, 409, "cardholder_under_verification");

    const rejected = await createHolder(tenant, { kycIdNumber: "REJECT0001" });
    expect(await waitForStatus(tenant, rejected)).toBe("REJECTED");
    const status = await tenant.api(`/api/v1/cardholders/${rejected}/status`);
    expect(status.body).toMatchObject({ status: "REJECTED", canIssueCard: false });
    expectError(
      await issueCard(tenant, { holderId: rejected, loadAmount: 1 }),
      422,
      "cardholder_rejected",
    );

    const cards = await cardrail.runtime.database.db
      .selectFrom("cards")
      .select("id")
      .where("cardholder_id", "in", [reviewing, rejected])
      .execute();
    expect(cards).toEqual([]);
    expect(await walletOf(tenant)).toEqual([{ currency: "USD", balance: 100 }]);
  });
});

describe("400 validation_error", () => {
  it("names the offending fields in details", async () => {
    const res = await issueCard(tenant, { holderId: "", loadAmount: -5, currency: "XYZ" });
    expectError(res, 400, "validation_error");
    const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(["currency", "holderId", "loadAmount"]);
    for (const detail of res.body.error.details) expect(detail.message).toEqual(expect.any(String));

    const holder = await tenant.api("/api/v1/cardholders", {
      method: "POST",
      body: cardholderForm({ country: "XX" }),
    });
    expectError(holder, 400, "validation_error");
    expect(holder.body.error.details).toEqual([{ field: "country", message: expect.any(String) }]);
  });
});

describe("413 and 415", () => {
  it("refuses a file over the per-file limit and a JSON body over the body limit with 413", async () => {
    const big = await tenant.api("/api/v1/cardholders", {
      method: "POST",
      body: cardholderForm({ docFront: Buffer.concat([jpeg(), Buffer.alloc(6 * 1024 * 1024, 1)]) }),
    });
    expectError(big, 413, "payload_too_large");
    const json = await tenant.api("/api/v1/cards", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ holderId: "x", pad: "x".repeat(200_000) }),
    });
    expectError(json, 413, "payload_too_large");
  });

  it("refuses a wrong content type with 415", async () => {
    const json = await tenant.api("/api/v1/cardholders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expectError(json, 415, "unsupported_media_type");
    const xml = await tenant.api("/api/v1/cards", {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: "<card/>",
    });
    expectError(xml, 415, "unsupported_media_type");
  });
});

describe("422 idempotency_key_reused", () => {
  it("refuses the same key for a different request and replays it for the same one", async () => {
    const holderId = await activeHolder(tenant);
    const first = await issueCard(tenant, { holderId, loadAmount: 3 }, "table-key");
    expect(first.status).toBe(201);
    for (const changed of [
      { loadAmount: 4 },
      { loadAmount: 3.01 },
      { currency: "SGD" },
      { holderId: "ch_other" },
    ]) {
      const res = await issueCard(tenant, { holderId, loadAmount: 3, ...changed }, "table-key");
      expect(res.status, JSON.stringify([changed, res.body])).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const reused = await issueCard(tenant, { holderId, loadAmount: 4 }, "table-key");
    expectError(reused, 422, "idempotency_key_reused");
    const replay = await issueCard(tenant, { holderId, loadAmount: 3 }, "table-key");
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(await walletOf(tenant)).toEqual([{ currency: "USD", balance: 97 }]);
  });
});

describe("X-Request-Id", () => {
  it("is on every response, success and error, and echoes a caller's safe id", async () => {
    const responses = [
      await tenant.api("/api/v1/wallet"),
      await tenant.api("/api/v1/cardholders/ch_missing/status"),
      await raw("/api/v1/wallet"),
      await raw("/healthz"),
      await raw("/nothing"),
      await tenant.api("/api/v1/cards", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{",
      }),
    ];
    for (const res of responses)
      expect(res.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    const ids = new Set(responses.map((r) => r.headers.get("x-request-id")));
    expect(ids.size).toBe(responses.length);

    const mine = "client-req.42:abc";
    const ok = await tenant.api("/api/v1/wallet", { headers: { "x-request-id": mine } });
    expect(ok.headers.get("x-request-id")).toBe(mine);
    const failed = await raw("/api/v1/wallet", { headers: { "x-request-id": mine } });
    expect(failed.status).toBe(401);
    expect(failed.headers.get("x-request-id")).toBe(mine);
    expect(failed.body.requestId).toBe(mine);

    for (const unsafe of ["has space", "<script>", "x".repeat(129), "a\u00e9b"]) {
      const res = await raw("/api/v1/wallet", { headers: { "x-request-id": unsafe } });
      expect(res.headers.get("x-request-id")).not.toBe(unsafe);
      expect(res.headers.get("x-request-id")).toBe(res.body.requestId);
    }
  });
});
