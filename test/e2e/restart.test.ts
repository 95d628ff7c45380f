import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jpeg } from "../fixtures/files.ts";
import { type ServiceProcess, startServiceProcess } from "../fixtures/processes.ts";

/**
 * The README's quick start, as a new user runs it: `npm start` on the embedded database prints a
 * demo key pair; the four calls work with it; the service is stopped and started again on the
 * same data folder, and everything is still there (holder, card, wallet, and the card still
 * reveals, because the built-in simulator keeps its state in the data folder too).
 */

let service: ServiceProcess | null = null;
let dataDir = "";

afterAll(async () => {
  await service?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function demoKeys(output: string) {
  const apiKey = /X-Api-Key\s+(dk_test_\S+)/.exec(output)?.[1];
  const accessKey = /X-Access-Key\s+(sk_test_\S+)/.exec(output)?.[1];
  if (!apiKey || !accessKey) throw new Error(`no demo keys printed:\n${output.slice(-2000)}`);
  return { "x-api-key": apiKey, "x-access-key": accessKey };
}

async function call(
  base: string,
  headers: Record<string, string>,
  path: string,
  init: RequestInit = {},
) {
  const res = await fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { ...headers, ...(init.headers as Record<string, string>) },
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test asserts on the body field by field.
  return { status: res.status, body: (await res.json()) as any };
}

describe("embedded quick start across a restart", () => {
  it("prints a demo key, runs the four calls, and keeps everything after a restart", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "cardrail-restart-"));
    // The embedded default: no DATABASE_URL, whatever the surrounding test run uses.
    const env = {
      DATABASE_URL: "",
      CARDRAIL_DATA_DIR: dataDir,
      CARDRAIL_SEED_DEMO: "",
      SIMULATOR_REVIEW_DELAY_MS: "50",
      SIMULATOR_CARD_ACTIVATION_DELAY_MS: "20",
      STATUS_REFRESH_INTERVAL_MS: "0",
    };
    service = await startServiceProcess(env);
    const started = service;
    for (let i = 0; i < 100 && !started.output().includes("X-Access-Key"); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const headers = demoKeys(service.output());

    const form = new FormData();
    for (const [k, v] of Object.entries({
      email: "asha@example.com",
      firstName: "Asha",
      lastName: "Rao",
      country: "IN",
      mobile: "9876543210",
      kycDocType: "passport",
      kycIdNumber: "P1234567",
    })) {
      form.append(k, v);
    }
    form.append("docFront", new Blob([jpeg()]), "passport.jpg");
    const holder = await call(service.url, headers, "/cardholders", { method: "POST", body: form });
    expect(holder.status).toBe(201);
    let status = await call(service.url, headers, `/cardholders/${holder.body.holderId}/status`);
    for (let i = 0; i < 200 && status.body.status === "IN_REVIEW"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await call(service.url, headers, `/cardholders/${holder.body.holderId}/status`);
    }
    expect(status.body).toMatchObject({ status: "ACTIVE", canIssueCard: true });
    const card = await call(service.url, headers, "/cards", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "restart-1" },
      body: JSON.stringify({
        holderId: holder.body.holderId,
        cardType: "virtual",
        card_product_id: "111031",
        currency: "USD",
        loadAmount: 20,
      }),
    });
    expect(card.status).toBe(201);
    const before = await call(service.url, headers, `/cards/${card.body.uqpayCardId}/reveal`);
    expect(before.status).toBe(200);

    await service.stop();
    service = await startServiceProcess(env);
    // No new demo tenant on a database that has one.
    expect(service.output()).not.toContain("Demo tenant created");

    const again = await call(service.url, headers, `/cardholders/${holder.body.holderId}/status`);
    expect(again.body.status).toBe("ACTIVE");
    const replay = await call(service.url, headers, "/cards", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "restart-1" },
      body: JSON.stringify({
        holderId: holder.body.holderId,
        cardType: "virtual",
        card_product_id: "111031",
        currency: "USD",
        loadAmount: 20,
      }),
    });
    expect(replay.body).toEqual(card.body);
    const after = await call(service.url, headers, `/cards/${card.body.uqpayCardId}/reveal`);
    expect(after.status).toBe(200);
    expect(after.body.cardDetails).toEqual(before.body.cardDetails);
    const wallet = await call(service.url, headers, "/wallet");
    expect(wallet.body.balances).toEqual([{ currency: "USD", balance: 980 }]);
  }, 180_000);
});
