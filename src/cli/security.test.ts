import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestTenant } from "../../test/fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../../test/fixtures/flows.ts";
import { httpApi } from "../../test/fixtures/http.ts";
import { type CliResult, type ServiceForCli, startServiceForCli } from "../../test/support/cli.ts";
import { fundWallet } from "../modules/wallet/funding.ts";
import type { Runtime } from "../runtime.ts";

/** `keys rotate` and `audit reveals` as an operator runs them, next to a running service. */

let service: ServiceForCli;
let cli: (...args: string[]) => Promise<CliResult>;
let runtime: Runtime;
let url: string;

beforeAll(async () => {
  service = await startServiceForCli("cardrail-cli-sec-");
  ({ cli, runtime, url } = service);
});

afterAll(() => service?.close());

function client(tenantId: string, apiKey: string, accessKey: string): TestTenant {
  const headers = { "x-api-key": apiKey, "x-access-key": accessKey };
  return {
    tenantId,
    headers,
    api: httpApi(url, headers),
  };
}

async function tenant() {
  const result = await cli("tenants", "create", "--name", "Sec Ltd", "--json");
  expect(result.code, result.stderr).toBe(0);
  return result.json() as { tenantId: string; apiKey: string; accessKey: string };
}

describe("keys rotate", () => {
  it("prints a new pair; both keys work during the overlap; keys list shows the expiry", async () => {
    const t = await tenant();
    const rotated = await cli("keys", "rotate", "--key", t.apiKey, "--overlap", "24h", "--json");
    expect(rotated.code, rotated.stderr).toBe(0);
    const out = rotated.json();
    expect(out).toMatchObject({
      tenantId: t.tenantId,
      mode: "test",
      apiKey: expect.stringMatching(/^dk_test_/),
      accessKey: expect.stringMatching(/^sk_test_/),
      previousApiKey: t.apiKey,
    });
    const expiry = Date.parse(out.previousKeyExpiresAt) - Date.now();
    expect(expiry).toBeGreaterThan(23 * 3_600_000);
    expect(expiry).toBeLessThanOrEqual(24 * 3_600_000);
    for (const [k, s] of [
      [t.apiKey, t.accessKey],
      [out.apiKey, out.accessKey],
    ]) {
      expect((await client(t.tenantId, k, s).api("/api/v1/wallet")).status).toBe(200);
    }
    const listed = (await cli("keys", "list", "--tenant", t.tenantId, "--json")).json();
    expect(listed.keys).toContainEqual(
      expect.objectContaining({
        apiKey: t.apiKey,
        status: "expiring",
        expiresAt: out.previousKeyExpiresAt,
        replacedBy: out.apiKey,
      }),
    );
    const human = await cli("keys", "list", "--tenant", t.tenantId);
    expect(human.stdout).toContain("EXPIRES");

    // --overlap 0 ends the old key at once.
    const now = await cli("keys", "rotate", "--key", out.apiKey, "--overlap", "0");
    expect(now.code, now.stderr).toBe(0);
    expect((await client(t.tenantId, out.apiKey, out.accessKey).api("/api/v1/wallet")).status).toBe(
      401,
    );
  });

  it("refuses a secret, a bad duration and an unknown key, in one line", async () => {
    for (const args of [
      ["--key", "sk_test_secret"],
      ["--key", "dk_test_nope", "--overlap", "soon"],
      ["--key", "dk_test_nope"],
    ]) {
      const result = await cli("keys", "rotate", ...args);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).not.toContain("sk_test_secret");
    }
  });
});

describe("audit reveals", () => {
  it("lists who revealed which card, when, from where, by which request, filtered", async () => {
    const t = await tenant();
    await fundWallet(runtime.database.db, {
      tenantId: t.tenantId,
      mode: "test",
      currency: "USD",
      amountMinor: 5000n,
    });
    const api = client(t.tenantId, t.apiKey, t.accessKey);
    const holder = await activeHolder(api);
    const card = await issueCard(api, { holderId: holder, loadAmount: 10 });
    expect(card.status).toBe(201);
    let reveal = await api.api(`/api/v1/cards/${card.body.cardId}/reveal`);
    for (let i = 0; i < 100 && reveal.status === 409; i++) {
      await new Promise((r) => setTimeout(r, 20));
      reveal = await api.api(`/api/v1/cards/${card.body.cardId}/reveal`);
    }
    expect(reveal.status).toBe(200);
    const requestId = reveal.headers.get("x-request-id");

    const listed = await cli("audit", "reveals", "--tenant", t.tenantId, "--json");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json().reveals).toEqual([
      {
        revealedAt: expect.any(String),
        tenantId: t.tenantId,
        mode: "test",
        cardId: card.body.cardId,
        issuerCardId: card.body.uqpayCardId,
        apiKeyId: t.apiKey,
        via: "api",
        clientIp: "127.0.0.1",
        requestId,
      },
    ]);
    expect(listed.stdout).not.toContain(reveal.body.cardDetails.card_number);

    const byCard = await cli("audit", "reveals", "--card", card.body.uqpayCardId, "--json");
    expect(byCard.json().reveals).toHaveLength(1);
    const future = await cli("audit", "reveals", "--since", "2999-01-01T00:00:00Z", "--json");
    expect(future.json().reveals).toEqual([]);
    const human = await cli("audit", "reveals", "--tenant", t.tenantId);
    expect(human.stdout).toContain("CLIENT IP");
    expect(human.stdout).toContain(card.body.cardId);
    const bad = await cli("audit", "reveals", "--since", "yesterday");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since/);
  });
});
