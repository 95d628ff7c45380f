import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, type ServiceForCli, startServiceForCli } from "../../test/support/cli.ts";

/**
 * The CLI against a running service, run in this process (the launch path of `npm run cli`):
 * with DATABASE_URL, both on a fresh PostgreSQL database; without, the service owns an embedded
 * PGlite in a temp data folder and the CLI's commands run in the service through its operator
 * channel (the case an operator hits while `npm start` runs).
 */

let service: ServiceForCli;
let cli: (...args: string[]) => Promise<CliResult>;
let url: string;

beforeAll(async () => {
  service = await startServiceForCli("cardrail-cli-");
  ({ cli, url } = service);
});

afterAll(() => service?.close());

const wallet = (apiKey: string, accessKey: string) =>
  fetch(`${url}/api/v1/wallet`, { headers: { "x-api-key": apiKey, "x-access-key": accessKey } });

function expectFailure(result: CliResult, pattern: RegExp) {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

async function createTenant(name: string, ...extra: string[]) {
  const result = await cli("tenants", "create", "--name", name, "--json", ...extra);
  expect(result.code, result.stderr).toBe(0);
  return result.json() as { tenantId: string; apiKey: string; accessKey: string; mode: string };
}

describe("tenants", () => {
  it("creates a test-mode tenant whose printed key pair authenticates against the running service", async () => {
    const created = await createTenant("Acme Ltd");
    expect(Object.keys(created).sort()).toEqual(["accessKey", "apiKey", "mode", "tenantId"]);
    expect(created.mode).toBe("test");
    expect(created.apiKey).toMatch(/^dk_test_/);
    expect(created.accessKey).toMatch(/^sk_test_/);

    const response = await wallet(created.apiKey, created.accessKey);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, mode: "test", balances: [] });

    const listed = await cli("tenants", "list", "--json");
    expect(listed.code).toBe(0);
    expect(listed.json().tenants).toContainEqual(
      expect.objectContaining({ tenantId: created.tenantId, name: "Acme Ltd" }),
    );

    const human = await cli("tenants", "list");
    expect(human.stdout).toMatch(new RegExp(`${created.tenantId}\\s+Acme Ltd`));
  });

  it("creates a live-mode tenant with --live", async () => {
    const created = await createTenant("Live Co", "--live");
    expect(created.mode).toBe("live");
    expect(created.apiKey).toMatch(/^dk_live_/);
    const response = await wallet(created.apiKey, created.accessKey);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { mode: string }).mode).toBe("live");
  });

  it("refuses an empty name", async () => {
    expectFailure(await cli("tenants", "create", "--name", "  "), /--name/);
  });
});

describe("keys", () => {
  it("creates, lists (without secrets) and revokes keys; a revoked key gets 401", async () => {
    const tenant = await createTenant("Keys Co");
    expect((await cli("tenants", "create", "--name", "Quiet", "--json")).stderr).not.toMatch(
      /warning/,
    );
    const created = await cli("keys", "create", "--tenant", tenant.tenantId, "--live", "--json");
    expect(created.code, created.stderr).toBe(0);
    // No live issuer in this test's configuration: said on stderr, the key is still made.
    expect(created.stderr).toMatch(/warning: no live issuer is configured/);
    const live = created.json();
    expect(live).toMatchObject({ tenantId: tenant.tenantId, mode: "live" });
    expect(live.apiKey).toMatch(/^dk_live_/);
    expect((await wallet(live.apiKey, live.accessKey)).status).toBe(200);

    const revoked = await cli("keys", "revoke", "--key", tenant.apiKey, "--json");
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json()).toEqual({ apiKey: tenant.apiKey, revoked: true });
    expect((await wallet(tenant.apiKey, tenant.accessKey)).status).toBe(401);
    expect((await wallet(live.apiKey, live.accessKey)).status).toBe(200);

    const listed = await cli("keys", "list", "--tenant", tenant.tenantId, "--json");
    expect(listed.code).toBe(0);
    const keys = listed.json().keys as Record<string, unknown>[];
    expect(keys.map((k) => [k.apiKey, k.mode, k.status])).toEqual([
      [tenant.apiKey, "test", "revoked"],
      [live.apiKey, "live", "active"],
    ]);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual([
        "apiKey",
        "createdAt",
        "expiresAt",
        "lastUsedAt",
        "mode",
        "replacedBy",
        "revokedAt",
        "status",
      ]);
    }
    expect(keys[0]?.revokedAt).toEqual(expect.any(String));
    expect(keys[1]?.lastUsedAt).toEqual(expect.any(String));
    const human = await cli("keys", "list", "--tenant", tenant.tenantId);
    for (const output of [listed.stdout, human.stdout]) {
      expect(output).not.toContain(tenant.accessKey);
      expect(output).not.toContain(live.accessKey);
      expect(output).not.toContain("sk_");
    }
    expect(human.stdout).toMatch(/API KEY\s+MODE\s+STATUS/);
  });

  it("fails on an already revoked, unknown or malformed key, never echoing a secret", async () => {
    const tenant = await createTenant("Revoke Twice");
    expect((await cli("keys", "revoke", "--key", tenant.apiKey)).code).toBe(0);
    expectFailure(await cli("keys", "revoke", "--key", tenant.apiKey), /already revoked/);
    expectFailure(await cli("keys", "revoke", "--key", "dk_test_doesnotexist"), /unknown/);
    const secret = await cli("keys", "revoke", "--key", tenant.accessKey);
    expectFailure(secret, /--key/);
    expect(secret.stderr).not.toContain(tenant.accessKey);
  });

  it("fails for an unknown tenant", async () => {
    expectFailure(await cli("keys", "create", "--tenant", "ten_nope"), /tenant ten_nope not found/);
    expectFailure(
      await cli("keys", "list", "--tenant", "ten_nope", "--json"),
      /tenant ten_nope not found/,
    );
  });
});

describe("wallets", () => {
  it("funds and shows balances; a repeated --reference funds once", async () => {
    const tenant = await createTenant("Wallet Co");
    const fund = (...extra: string[]) =>
      cli(
        "wallets",
        "fund",
        "--tenant",
        tenant.tenantId,
        "--currency",
        "USD",
        "--amount",
        "100.00",
        ...extra,
      );

    const first = await fund("--reference", "wire-42", "--json");
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({
      applied: true,
      amount: 100,
      currency: "USD",
      mode: "test",
      balance: 100,
    });
    const again = await fund("--reference", "wire-42");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already applied/i);
    expect(again.stdout).toContain("USD 100.00");
    const againJson = await fund("--reference", "wire-42", "--json");
    expect(againJson.json()).toMatchObject({
      applied: false,
      alreadyApplied: true,
      balance: 100,
    });

    // Same reference, different amount: an operator mistake, not a replay.
    const conflicting = await cli(
      "wallets",
      "fund",
      "--tenant",
      tenant.tenantId,
      "--currency",
      "USD",
      "--amount",
      "5",
      "--reference",
      "wire-42",
    );
    expectFailure(conflicting, /--reference/);

    expect((await fund("--json")).json()).toMatchObject({ applied: true, balance: 200 });
    const sgd = await cli(
      "wallets",
      "fund",
      "--tenant",
      tenant.tenantId,
      "--currency",
      "jpy",
      "--amount",
      "500",
      "--live",
      "--json",
    );
    expect(sgd.json()).toMatchObject({
      applied: true,
      currency: "JPY",
      mode: "live",
      amount: 500,
    });

    const shown = await cli("wallets", "show", "--tenant", tenant.tenantId, "--json");
    expect(shown.code).toBe(0);
    expect(shown.json()).toEqual({
      tenantId: tenant.tenantId,
      wallets: [
        { mode: "live", currency: "JPY", balance: 500 },
        { mode: "test", currency: "USD", balance: 200 },
      ],
    });
    const human = await cli("wallets", "show", "--tenant", tenant.tenantId);
    expect(human.stdout).toMatch(/test\s+USD\s+200\.00/);

    const api = await wallet(tenant.apiKey, tenant.accessKey);
    expect(((await api.json()) as { balances: unknown }).balances).toEqual([
      { currency: "USD", balance: 200 },
    ]);
  });

  it("refuses bad amounts and currencies naming the option, and unknown tenants", async () => {
    const tenant = await createTenant("Bad Input Co");
    const fund = (amount: string, currency = "USD") =>
      cli(
        "wallets",
        "fund",
        "--tenant",
        tenant.tenantId,
        "--currency",
        currency,
        "--amount",
        amount,
      );
    // Independent child processes: run them side by side.
    const cases: [Promise<CliResult>, RegExp][] = [
      [fund("abc"), /--amount "abc"/],
      [fund("-5"), /--amount "-5"/],
      [fund("1.001"), /--amount "1\.001"/],
      [fund("0"), /--amount must be greater than 0/],
      [fund("1e3"), /--amount "1e3"/],
      [fund("99999999999999999999"), /--amount .*too large/],
      [fund("10", "XYZ"), /--currency "XYZ"/],
      [
        cli("wallets", "fund", "--tenant", "ten_nope", "--currency", "USD", "--amount", "1"),
        /tenant ten_nope not found/,
      ],
      [cli("wallets", "show", "--tenant", "ten_nope"), /tenant ten_nope not found/],
    ];
    for (const [result, pattern] of cases) expectFailure(await result, pattern);
    const shown = await cli("wallets", "show", "--tenant", tenant.tenantId, "--json");
    expect(shown.json().wallets).toEqual([]);
  });
});

describe("products", () => {
  it("lists the migration's test product, adds, disables and enables products", async () => {
    const listed = await cli("products", "list", "--json");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json().products).toContainEqual(
      expect.objectContaining({ id: "111031", currencies: ["USD"], enabled: true, mode: "test" }),
    );

    const added = await cli(
      "products",
      "add",
      "--id",
      "222001",
      "--name",
      "Virtual SGD",
      "--issuer-product-id",
      "0e1f4a50-4096-4360-8a00-000040963608",
      "--currencies",
      "USD, sgd",
      "--json",
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      id: "222001",
      mode: "test",
      currencies: ["USD", "SGD"],
      enabled: true,
    });

    const human = await cli("products", "list");
    expect(human.stdout).toMatch(/222001\s+Virtual SGD\s+0e1f4a50-\S+\s+USD,SGD\s+yes/);
    expect((await cli("products", "list", "--live", "--json")).json()).toEqual({
      mode: "live",
      products: [],
    });

    const disabled = await cli("products", "disable", "--id", "222001", "--json");
    expect(disabled.json()).toMatchObject({ id: "222001", enabled: false, changed: true });
    expect((await cli("products", "disable", "--id", "222001")).stdout).toMatch(/already disabled/);
    expect((await cli("products", "list", "--json")).json().products).toContainEqual(
      expect.objectContaining({ id: "222001", enabled: false }),
    );

    // The service refuses cards on a disabled product, naming the field.
    const tenant = await createTenant("Products Co");
    const issue = () =>
      fetch(`${url}/api/v1/cards`, {
        method: "POST",
        headers: {
          "x-api-key": tenant.apiKey,
          "x-access-key": tenant.accessKey,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          holderId: "ch_unknown",
          cardType: "virtual",
          card_product_id: "222001",
          currency: "SGD",
          loadAmount: 20,
        }),
      });
    const refused = await issue();
    expect(refused.status).toBe(400);
    // Said as it is: disabled, not unknown.
    const body = (await refused.json()) as { error: { details: unknown } };
    expect(body.error.details).toEqual([
      { field: "card_product_id", message: "this card product is disabled; no new cards on it" },
    ]);

    const enabled = await cli("products", "enable", "--id", "222001", "--json");
    expect(enabled.json()).toMatchObject({ enabled: true, changed: true });
    const accepted = await issue();
    expect(JSON.stringify(await accepted.json())).not.toContain("card_product_id");
  });

  it("refuses duplicates, bad fields and unknown products", async () => {
    const add = (...args: string[]) => cli("products", "add", ...args);
    expectFailure(
      await add(
        "--id",
        "111031",
        "--name",
        "Dup",
        "--issuer-product-id",
        "0e1f4a50-4096-4360-8a00-000040963608",
        "--currencies",
        "USD",
      ),
      /111031 already exists/,
    );
    const bad = await add(
      "--id",
      "x y",
      "--name",
      "Bad",
      "--issuer-product-id",
      "not-a-uuid",
      "--currencies",
      "USD,XXX",
    );
    expectFailure(bad, /--id.*--issuer-product-id.*--currencies.*XXX/);
    expectFailure(await cli("products", "disable", "--id", "999999"), /999999.*not found/);
    expectFailure(await cli("products", "enable", "--id", "111031", "--live"), /111031.*not found/);
  });
});
