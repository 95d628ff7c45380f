import type { Db } from "../src/db/pool.ts";
import { keyHasher } from "../src/modules/tenants/api-keys.ts";
import { createTenant } from "../src/modules/tenants/tenants.ts";
import { fundWallet } from "../src/modules/wallet/funding.ts";
import { type LoadResult, load, type ServerProcess, sleep } from "./lib.ts";
import { jpeg, postMultipart } from "./multipart.ts";
import type { BenchTenant } from "./pgbench-scripts.ts";
import { notes } from "./report.ts";
import { AMOUNT_MINOR, SECONDS } from "./settings.ts";

/** What the scenarios do to a running service: tenants to act as, issuance load, simulator faults. */

export async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

export async function setupTenants(
  db: Db,
  server: ServerProcess,
  count: number,
): Promise<BenchTenant[]> {
  const hashKey = keyHasher(process.env.CARDRAIL_KEY_PEPPER);
  const out: BenchTenant[] = [];
  const small = jpeg(2048);
  for (let start = 0; start < count; start += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, async (_, i) => {
        const t = await createTenant(db, hashKey, `Bench ${start + i}`, "test");
        await fundWallet(db, {
          tenantId: t.tenantId,
          mode: "test",
          currency: "USD",
          amountMinor: 10_000_000_000n,
        });
        const headers = { "x-api-key": t.apiKey, "x-access-key": t.accessKey };
        const created = await postMultipart(server.url, headers, small);
        if (created.status !== 201) throw new Error(`holder: ${created.status} ${created.body}`);
        const holderId = JSON.parse(created.body).holderId as string;
        const deadline = Date.now() + 15_000;
        for (;;) {
          const s = await json(`${server.url}/api/v1/cardholders/${holderId}/status`, { headers });
          if (s.body.status === "ACTIVE") break;
          if (Date.now() > deadline) throw new Error(`holder ${holderId} stayed ${s.body.status}`);
          await sleep(20);
        }
        const accounts = await db
          .selectFrom("ledger_accounts")
          .select(["id", "kind"])
          .where("tenant_id", "=", t.tenantId)
          .execute();
        const acct = (kind: string) => accounts.find((a) => a.kind === kind)?.id as string;
        return {
          tenantId: t.tenantId,
          apiKey: t.apiKey,
          accessKey: t.accessKey,
          holderId,
          walletAccount: acct("wallet"),
          inFlightAccount: acct("cards_in_flight"),
        };
      }),
    );
    out.push(...batch);
  }
  return out;
}

export const headersOf = (t: BenchTenant) => ({
  "x-api-key": t.apiKey,
  "x-access-key": t.accessKey,
});

let keySeq = 0;
/** POST /cards, round-robin over the tenants, a fresh Idempotency-Key per request. */
export function issuance(url: string, tenants: BenchTenant[], connections: number, extra = {}) {
  let i = 0;
  const bodies = tenants.map((t) =>
    JSON.stringify({
      holderId: t.holderId,
      cardType: "virtual",
      card_product_id: "111031",
      currency: "USD",
      loadAmount: AMOUNT_MINOR / 100,
    }),
  );
  const run = `${Date.now().toString(36)}-${++keySeq}`;
  return load({
    url,
    connections,
    duration: SECONDS,
    requests: [
      {
        method: "POST",
        path: "/api/v1/cards",
        setupRequest: (req) => {
          const n = i++;
          const t = tenants[n % tenants.length] as BenchTenant;
          return {
            ...req,
            headers: {
              ...headersOf(t),
              "content-type": "application/json",
              "idempotency-key": `bench-${run}-${n}`,
            },
            body: bodies[n % tenants.length] as string,
          };
        },
      },
    ],
    ...extra,
  });
}

export function checkStatuses(label: string, r: LoadResult) {
  if (r.bad > 0 || r.errors > 0) {
    const msg = `${label}: ${r.bad} non-2xx answers ${JSON.stringify(r.statuses)}, ${r.errors} errors/timeouts (only 2xx counted)`;
    notes.push(msg);
    console.log(`  ! ${msg}`);
  }
}

export async function simFaults(server: ServerProcess, latencyMs: number) {
  const base = (server.simulatorUrl as string).replace(/\/api$/, "");
  const authorization = `Bearer ${server.simulatorAdminToken}`;
  await fetch(`${base}/__sim/faults`, { method: "DELETE", headers: { authorization } });
  if (latencyMs > 0) {
    const res = await fetch(`${base}/__sim/faults`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify({ route: "POST /api/v1/issuing/cards", kind: "latency", latencyMs }),
    });
    if (!res.ok) throw new Error(`simulator fault: ${res.status} ${await res.text()}`);
  }
}
