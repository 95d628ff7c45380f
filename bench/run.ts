/**
 * `npm run bench`: Cardrail's benchmark suite (issue 7). Every figure is the median of REPS
 * interleaved runs, each beside its baseline from the same run. Writes bench/results/latest.{md,json}.
 * Knobs: BENCH_SECONDS (per measurement, default 5), BENCH_REPS (default 3), BENCH_LOG_LEVEL (warn).
 */

import { mkdir, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createDb, type Db } from "../src/db/pool.ts";
import { keyHasher } from "../src/modules/tenants/api-keys.ts";
import { createTenant } from "../src/modules/tenants/tenants.ts";
import { fundWallet } from "../src/modules/wallet/funding.ts";
import { checkLedgerInvariants } from "../src/modules/wallet/invariants.ts";
import {
  benchDir,
  createBenchDatabase,
  hasTaskset,
  type LoadResult,
  load,
  median,
  pgbench,
  pinSelf,
  type ServerProcess,
  sleep,
  startServer,
  startSimulator,
} from "./lib.ts";
import { type BenchTenant, issuanceScript, OUTCOME } from "./pgbench-scripts.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "warn";
const TENANTS = 100;
const AMOUNT_MINOR = 100; // USD 1.00 per card
const UPLOAD_BYTES = 5_000_000; // "5 MB": under the default 5 MiB (5,242,880 B) per-file limit
const OVERSIZE_BYTES = 50 * 1024 * 1024;

interface Row {
  scenario: string;
  figure: string;
  value: number;
  baseline: number | null;
  baselineLabel: string;
  ratio: number | null;
  target: string;
  met: boolean | null;
  unit: string;
  runs: number[];
  baselineRuns: number[];
}
const rows: Row[] = [];
const loadAtStart = loadavg();
const notes: string[] = [];

function row(r: Omit<Row, "ratio"> & { ratio?: number | null }) {
  const ratio = r.ratio !== undefined ? r.ratio : r.baseline ? r.value / r.baseline : null;
  const full = { ...r, ratio };
  rows.push(full);
  const fmt = (v: number | null) => (v === null ? "—" : v.toFixed(v >= 100 ? 0 : 2));
  console.log(
    `  ${r.scenario} | ${r.figure}: ${fmt(r.value)} ${r.unit} vs ${fmt(r.baseline)} (${r.baselineLabel}) ratio ${ratio === null ? "—" : ratio.toFixed(2)} target ${r.target} ${r.met === null ? "" : r.met ? "MET" : "MISSED"}`,
  );
}

/** The latency rows of a scenario (no target: reported beside the baseline for context). */
function latencyRows(
  scenario: string,
  measured: { p50: number; p99: number }[],
  baseline: { p50: number; p99: number }[],
  baselineLabel: string,
  figures: ("p50" | "p99")[] = ["p50", "p99"],
) {
  for (const figure of figures) {
    row({
      scenario,
      figure,
      value: median(measured.map((r) => r[figure])),
      baseline: median(baseline.map((r) => r[figure])),
      baselineLabel,
      target: "—",
      met: null,
      unit: "ms",
      runs: measured.map((r) => r[figure]),
      baselineRuns: baseline.map((r) => r[figure]),
    });
  }
}

const log = (s: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);

// ---------------------------------------------------------------- fixtures

function jpeg(size: number): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
    Buffer.alloc(size - 11, 7),
  ]);
}

let uniq = 0;
function multipartParts(file: Buffer): { head: Buffer; file: Buffer; tail: Buffer; type: string } {
  uniq++;
  const boundary = `----cardrailbench${Date.now().toString(36)}${uniq}`;
  const id = `${process.pid}x${Date.now().toString(36)}x${uniq}`;
  const fields: Record<string, string> = {
    email: `bench.${id}@example.com`,
    firstName: "Asha",
    lastName: "Rao",
    country: "IN",
    mobile: `9${String(100_000_000 + (uniq % 899_999_999)).padStart(9, "0")}`,
    kycDocType: "passport",
    kycIdNumber: `P${id}`.slice(0, 20),
  };
  let head = "";
  for (const [k, v] of Object.entries(fields))
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="docFront"; filename="doc.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  return {
    head: Buffer.from(head),
    file,
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

interface PostOutcome {
  status: number;
  body: string;
  ms: number;
  bytesWritten: number;
}

/** A multipart POST with a raw body, written in 1 MiB chunks so an early answer can stop it. */
function postMultipart(
  url: string,
  headers: Record<string, string>,
  file: Buffer,
): Promise<PostOutcome> {
  const parts = multipartParts(file);
  const length = parts.head.length + parts.file.length + parts.tail.length;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      `${url}/api/v1/cardholders`,
      {
        method: "POST",
        // A connection of its own: socket.bytesWritten then counts this request's bytes only.
        agent: false,
        headers: { ...headers, "content-type": parts.type, "content-length": String(length) },
      },
      (res) => {
        answered = true;
        const ms = performance.now() - started;
        const bytesWritten = req.socket?.bytesWritten ?? 0;
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body, ms, bytesWritten });
          req.destroy();
        });
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("upload timed out")));
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    req.write(parts.head);
    const chunk = 1024 * 1024;
    let offset = 0;
    const pump = () => {
      while (offset < parts.file.length && !answered) {
        const piece = parts.file.subarray(offset, offset + chunk);
        offset += piece.length;
        if (!req.write(piece)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end(parts.tail);
    };
    pump();
  });
}

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function setupTenants(db: Db, server: ServerProcess, count: number): Promise<BenchTenant[]> {
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

const headersOf = (t: BenchTenant) => ({ "x-api-key": t.apiKey, "x-access-key": t.accessKey });

let keySeq = 0;
/** POST /cards, round-robin over the tenants, a fresh Idempotency-Key per request. */
function issuance(url: string, tenants: BenchTenant[], connections: number, extra = {}) {
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

function checkStatuses(label: string, r: LoadResult) {
  if (r.bad > 0 || r.errors > 0) {
    const msg = `${label}: ${r.bad} non-2xx answers ${JSON.stringify(r.statuses)}, ${r.errors} errors/timeouts (only 2xx counted)`;
    notes.push(msg);
    console.log(`  ! ${msg}`);
  }
}

async function simFaults(server: ServerProcess, latencyMs: number) {
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

// ---------------------------------------------------------------- scenarios

async function scenarioHttp(cardrail: ServerProcess, bare: ServerProcess, t: BenchTenant) {
  log("1. HTTP layer: GET /cardholders/:id/status vs bare Fastify route");
  const conns = 16;
  const cr: LoadResult[] = [];
  const br: LoadResult[] = [];
  const statusPath = `/api/v1/cardholders/${t.holderId}/status`;
  for (let rep = 0; rep < REPS; rep++) {
    const a = await load({
      url: `${cardrail.url}${statusPath}`,
      connections: conns,
      duration: SECONDS,
      headers: headersOf(t),
    });
    checkStatuses("status route", a);
    const b = await load({
      url: `${bare.url}/bare/${t.holderId}/status`,
      connections: conns,
      duration: SECONDS,
      headers: headersOf(t),
    });
    cr.push(a);
    br.push(b);
    log(`   rep ${rep + 1}: cardrail ${a.rps.toFixed(0)} req/s, bare ${b.rps.toFixed(0)} req/s`);
  }
  const rate = Math.max(100, Math.round(median(cr.map((r) => r.rps)) * 0.5));
  const cf: LoadResult[] = [];
  const bf: LoadResult[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const a = await load({
      url: `${cardrail.url}${statusPath}`,
      connections: conns,
      duration: SECONDS,
      headers: headersOf(t),
      overallRate: rate,
    });
    const b = await load({
      url: `${bare.url}/bare/${t.holderId}/status`,
      connections: conns,
      duration: SECONDS,
      headers: headersOf(t),
      overallRate: rate,
    });
    cf.push(a);
    bf.push(b);
  }
  const s = "1 HTTP layer (status vs bare route)";
  const rps = median(cr.map((r) => r.rps));
  const base = median(br.map((r) => r.rps));
  row({
    scenario: s,
    figure: `req/s, ${conns} connections`,
    value: rps,
    baseline: base,
    baselineLabel: "bare route",
    target: "≥ 0.70×",
    met: rps / base >= 0.7,
    unit: "req/s",
    runs: cr.map((r) => r.rps),
    baselineRuns: br.map((r) => r.rps),
  });
  row({
    scenario: s,
    figure: `p50 at saturation`,
    value: median(cr.map((r) => r.p50)),
    baseline: median(br.map((r) => r.p50)),
    baselineLabel: "bare route",
    target: "—",
    met: null,
    unit: "ms",
    runs: cr.map((r) => r.p50),
    baselineRuns: br.map((r) => r.p50),
  });
  const p99 = median(cr.map((r) => r.p99));
  const bp99 = median(br.map((r) => r.p99));
  row({
    scenario: s,
    figure: `p99 at saturation`,
    value: p99,
    baseline: bp99,
    baselineLabel: "bare route",
    target: "≤ 1.5×",
    met: p99 / bp99 <= 1.5,
    unit: "ms",
    runs: cr.map((r) => r.p99),
    baselineRuns: br.map((r) => r.p99),
  });
  row({
    scenario: s,
    figure: `p50 at fixed ${rate} req/s`,
    value: median(cf.map((r) => r.p50)),
    baseline: median(bf.map((r) => r.p50)),
    baselineLabel: "bare route",
    target: "—",
    met: null,
    unit: "ms",
    runs: cf.map((r) => r.p50),
    baselineRuns: bf.map((r) => r.p50),
  });
  const fp99 = median(cf.map((r) => r.p99));
  const fbp99 = median(bf.map((r) => r.p99));
  row({
    scenario: s,
    figure: `p99 at fixed ${rate} req/s`,
    value: fp99,
    baseline: fbp99,
    baselineLabel: "bare route",
    target: "≤ 1.5×",
    met: fp99 / fbp99 <= 1.5,
    unit: "ms",
    runs: cf.map((r) => r.p99),
    baselineRuns: bf.map((r) => r.p99),
  });
}

async function issuanceVsPgbench(
  label: string,
  cardrail: ServerProcess,
  dbUrl: string,
  tenants: BenchTenant[],
  conns: number,
) {
  const scripts = tenants.map((t) => issuanceScript(t, AMOUNT_MINOR));
  const cr: LoadResult[] = [];
  const pb: Awaited<ReturnType<typeof pgbench>>[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const a = await issuance(cardrail.url, tenants, conns);
    checkStatuses(`${label} POST /cards`, a);
    await sleep(300);
    const b = await pgbench(dbUrl, scripts, conns, SECONDS, { outcome: OUTCOME });
    if (b.failed > 0) notes.push(`${label} pgbench: ${b.failed} failed transactions`);
    cr.push(a);
    pb.push(b);
    log(
      `   rep ${rep + 1}: cardrail ${a.rps.toFixed(0)} cards/s (p99 ${a.p99} ms), pgbench ${b.tps.toFixed(0)} tps (p99 ${b.p99.toFixed(1)} ms)`,
    );
    await sleep(300);
  }
  return { cr, pb };
}

async function main() {
  pinSelf();
  let failure: unknown = null;
  const started = Date.now();
  log(
    `settings: ${SECONDS} s per measurement, ${REPS} interleaved runs, LOG_LEVEL=${LOG_LEVEL}, taskset ${hasTaskset ? "server→core 1, load→core 0" : "unavailable"}`,
  );
  const database = await createBenchDatabase();
  log(`database ${database.name}`);
  const simulator = await startSimulator();
  log(`simulator ${simulator.apiUrl} (its own process, pinned with the load generators)`);
  const env = { DATABASE_URL: database.url, LOG_LEVEL: LOG_LEVEL, SIMULATOR_URL: simulator.apiUrl };
  const servers: ServerProcess[] = [];
  const { db } = createDb(database.url, 4);
  try {
    const cardrail = await startServer("cardrail", env);
    servers.push(cardrail);
    const bare = await startServer("bare", { LOG_LEVEL: LOG_LEVEL });
    servers.push(bare);
    log(`cardrail ${cardrail.url} (pid ${cardrail.pid}), bare ${bare.url}`);
    log(`setting up ${TENANTS} funded tenants with one ACTIVE holder each`);
    const tenants = await setupTenants(db, cardrail, TENANTS);
    const hot = tenants[0] as BenchTenant;

    await scenarioHttp(cardrail, bare, hot);
    await bare.stop();

    // 2. many tenants
    log(`2. Issuance across ${TENANTS} tenants, 32 connections vs pgbench -c 32`);
    {
      const { cr, pb } = await issuanceVsPgbench(
        "many tenants",
        cardrail,
        database.url,
        tenants,
        32,
      );
      const s = `2 Issuance, ${TENANTS} tenants (32 clients)`;
      const rps = median(cr.map((r) => r.rps));
      const base = median(pb.map((r) => r.tps));
      row({
        scenario: s,
        figure: "cards/s",
        value: rps,
        baseline: base,
        baselineLabel: "pgbench same SQL",
        target: "≥ 0.40× and ≥ 1000/s",
        met: rps / base >= 0.4 && rps >= 1000,
        unit: "cards/s",
        runs: cr.map((r) => r.rps),
        baselineRuns: pb.map((r) => r.tps),
      });
      latencyRows(s, cr, pb, "pgbench");
    }

    // 3. hot tenant at 8 and 32
    log("3. Issuance on one hot tenant at 8 and 32 clients vs pgbench on the same hot row");
    const hotRps: Record<number, number> = {};
    for (const conns of [8, 32]) {
      const { cr, pb } = await issuanceVsPgbench(
        `hot ${conns}`,
        cardrail,
        database.url,
        [hot],
        conns,
      );
      const s = `3 Issuance, one hot tenant (${conns} clients)`;
      const rps = median(cr.map((r) => r.rps));
      const base = median(pb.map((r) => r.tps));
      hotRps[conns] = rps;
      row({
        scenario: s,
        figure: "cards/s",
        value: rps,
        baseline: base,
        baselineLabel: "pgbench hot row",
        target: conns === 8 ? "≥ 0.50×" : "—",
        met: conns === 8 ? rps / base >= 0.5 : null,
        unit: "cards/s",
        runs: cr.map((r) => r.rps),
        baselineRuns: pb.map((r) => r.tps),
      });
      latencyRows(s, cr, pb, "pgbench");
    }
    {
      const r32 = hotRps[32] as number;
      const r8 = hotRps[8] as number;
      row({
        scenario: "3 Issuance, one hot tenant",
        figure: "cards/s at 32 ÷ at 8 clients",
        value: r32 / r8,
        baseline: null,
        baselineLabel: "",
        ratio: r32 / r8,
        target: "≥ 0.50 (≤ 50 % loss)",
        met: r32 / r8 >= 0.5,
        unit: "×",
        runs: [],
        baselineRuns: [],
      });
      await sleep(1000);
      const violations = await checkLedgerInvariants(db);
      row({
        scenario: "3 Issuance, one hot tenant",
        figure: "ledger invariant violations (whole DB, after 2+3)",
        value: violations.length,
        baseline: null,
        baselineLabel: "",
        ratio: null,
        target: "0",
        met: violations.length === 0,
        unit: "",
        runs: [],
        baselineRuns: [],
      });
      if (violations.length)
        notes.push(`ledger violations: ${JSON.stringify(violations.slice(0, 5))}`);
    }

    // 4. slow upstream
    log("4. Hot tenant, 32 clients: upstream card create at 50 ms vs 0 ms");
    {
      const fast: LoadResult[] = [];
      const slow: LoadResult[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        await simFaults(cardrail, 0);
        const a = await issuance(cardrail.url, [hot], 32);
        await simFaults(cardrail, 50);
        const b = await issuance(cardrail.url, [hot], 32);
        await simFaults(cardrail, 0);
        checkStatuses("upstream 0 ms", a);
        checkStatuses("upstream 50 ms", b);
        fast.push(a);
        slow.push(b);
        log(
          `   rep ${rep + 1}: 0 ms ${a.rps.toFixed(0)} cards/s, 50 ms ${b.rps.toFixed(0)} cards/s (p50 ${b.p50} ms)`,
        );
      }
      const s = "4 Slow upstream (hot tenant, 32 clients)";
      const rs = median(slow.map((r) => r.rps));
      const rf = median(fast.map((r) => r.rps));
      row({
        scenario: s,
        figure: "cards/s with 50 ms upstream",
        value: rs,
        baseline: rf,
        baselineLabel: "same at 0 ms",
        target: "≥ 0.80×",
        met: rs / rf >= 0.8,
        unit: "cards/s",
        runs: slow.map((r) => r.rps),
        baselineRuns: fast.map((r) => r.rps),
      });
      latencyRows(s, slow, fast, "same at 0 ms", ["p50"]);
      notes.push(
        `Scenario 4 is closed-loop: 32 clients with ≥ 50 ms per request can never exceed 32 / 0.050 s = 640 cards/s, whatever the server does.`,
      );
    }

    // 5. idempotent replay
    log("5. Idempotent replay of completed keys vs new cards (hot tenant, 16 clients)");
    {
      const t = tenants[1] as BenchTenant;
      const body = JSON.stringify({
        holderId: t.holderId,
        cardType: "virtual",
        card_product_id: "111031",
        currency: "USD",
        loadAmount: AMOUNT_MINOR / 100,
      });
      const keys: string[] = [];
      for (let k = 0; k < 200; k++) {
        const key = `replay-${k}`;
        const r = await json(`${cardrail.url}/api/v1/cards`, {
          method: "POST",
          headers: { ...headersOf(t), "content-type": "application/json", "idempotency-key": key },
          body,
        });
        if (r.status !== 201)
          throw new Error(`replay setup: ${r.status} ${JSON.stringify(r.body)}`);
        keys.push(key);
      }
      const replays: LoadResult[] = [];
      const fresh: LoadResult[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        let i = 0;
        const a = await load({
          url: cardrail.url,
          connections: 16,
          duration: SECONDS,
          requests: [
            {
              method: "POST",
              path: "/api/v1/cards",
              setupRequest: (req) => ({
                ...req,
                headers: {
                  ...headersOf(t),
                  "content-type": "application/json",
                  "idempotency-key": keys[i++ % keys.length] as string,
                },
                body,
              }),
            },
          ],
        });
        checkStatuses("replay", a);
        const b = await issuance(cardrail.url, [t], 16);
        checkStatuses("new card (replay baseline)", b);
        replays.push(a);
        fresh.push(b);
        log(`   rep ${rep + 1}: replay ${a.rps.toFixed(0)} req/s, new ${b.rps.toFixed(0)} cards/s`);
      }
      const s = "5 Idempotent replay (16 clients)";
      const ra = median(replays.map((r) => r.rps));
      const rb = median(fresh.map((r) => r.rps));
      row({
        scenario: s,
        figure: "req/s",
        value: ra,
        baseline: rb,
        baselineLabel: "new card",
        target: "≥ 5×",
        met: ra / rb >= 5,
        unit: "req/s",
        runs: replays.map((r) => r.rps),
        baselineRuns: fresh.map((r) => r.rps),
      });
      latencyRows(s, replays, fresh, "new card");
    }
    await cardrail.stop();

    // 6. uploads, in a fresh server so its RSS is not shaped by the scenarios before
    await scenarioUploads(env, tenants);
  } catch (error) {
    failure = error;
    notes.push(
      `**The run stopped early**: ${String((error as Error).message ?? error).slice(0, 300)}`,
    );
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    await simulator.stop().catch(() => {});
    await db.destroy();
    await database.drop();
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await writeReport(started);
  if (failure) throw failure;
}

async function scenarioUploads(env: Record<string, string>, tenants: BenchTenant[]) {
  const server = await startServer("cardrail", env);
  try {
    await sleep(500);
    // 5 MB is what the issue asks for (Cardrail accepts it: under 5 MiB); the simulated UQPay takes
    // at most 2 MiB per document, so 5 MB files are read, checked and forwarded, then refused
    // upstream (400). 2 MB files go all the way through (201).
    for (const size of [UPLOAD_BYTES, 2_000_000]) await uploadRound(server, tenants, size);
    // Over the total limit (refused on Content-Length), and over the per-file limit only (streamed).
    for (const size of [OVERSIZE_BYTES, 8 * 1024 * 1024])
      await oversize(server, tenants[10] as BenchTenant, size);
  } finally {
    await server.stop();
  }
}

async function uploadRound(server: ServerProcess, tenants: BenchTenant[], size: number) {
  log(
    `6. KYC uploads: 10 concurrent ${size} B multipart POST /cardholders, with POST /cards alongside`,
  );
  const file = jpeg(size);
  const uploaders = tenants.slice(10, 20);
  const cardTenants = tenants.slice(20, 30);
  const cardRate = 100;
  const calm: LoadResult[] = [];
  const busy: LoadResult[] = [];
  const mbps: number[] = [];
  const growth: number[] = [];
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    calm.push(await issuance(server.url, cardTenants, 8, { overallRate: cardRate }));
    await sleep(300);
    await server.rss("rss-reset");
    const deadline = performance.now() + SECONDS * 1000;
    let bytes = 0;
    const t0 = performance.now();
    const workers = uploaders.map(async (t) => {
      for (let n = 0; n < 200 && performance.now() < deadline; n++) {
        const r = await postMultipart(server.url, headersOf(t), file);
        bytes += size;
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status !== 201 && samples.length < 1)
          samples.push(`${r.status} ${r.body.slice(0, 240)}`);
      }
    });
    const cards = issuance(server.url, cardTenants, 8, { overallRate: cardRate });
    await Promise.all(workers);
    const elapsed = (performance.now() - t0) / 1000;
    const b = await cards;
    busy.push(b);
    checkStatuses(`POST /cards during ${size} B uploads`, b);
    const rss = await server.rss("rss-report");
    growth.push((rss.peak - rss.start) / 1024 / 1024);
    mbps.push(bytes / 1e6 / elapsed);
    log(
      `   rep ${rep + 1}: ${(bytes / 1e6 / elapsed).toFixed(1)} MB/s, RSS +${((rss.peak - rss.start) / 1048576).toFixed(1)} MiB, cards p99 ${b.p99} ms (calm ${calm[rep]?.p99} ms)`,
    );
    await sleep(500);
  }
  notes.push(
    `uploads of ${size} B: answers ${JSON.stringify(statuses)}${samples.length ? `; e.g. ${samples[0]}` : ""}`,
  );
  const s = `6 KYC uploads (10 concurrent × ${(size / 1e6).toFixed(0)} MB)`;
  row({
    scenario: s,
    figure: "upload throughput (bodies answered)",
    value: median(mbps),
    baseline: null,
    baselineLabel: "",
    target: "—",
    met: null,
    unit: "MB/s",
    runs: mbps,
    baselineRuns: [],
  });
  row({
    scenario: s,
    figure: "server peak RSS growth (median; each run in JSON)",
    value: median(growth),
    baseline: null,
    baselineLabel: "",
    target: "≤ 64 MB (every run)",
    met: Math.max(...growth) <= 64,
    unit: "MiB",
    runs: growth,
    baselineRuns: [],
  });
  const bp = median(busy.map((r) => r.p99));
  const cp = median(calm.map((r) => r.p99));
  row({
    scenario: s,
    figure: `POST /cards p99 at ${cardRate}/s during uploads`,
    value: bp,
    baseline: cp,
    baselineLabel: "no uploads",
    target: "≤ 1.5×",
    met: bp / cp <= 1.5,
    unit: "ms",
    runs: busy.map((r) => r.p99),
    baselineRuns: calm.map((r) => r.p99),
  });
}

async function oversize(server: ServerProcess, t: BenchTenant, size: number) {
  const s = "6 KYC uploads: oversize body";
  // The oversize body: answered early, how much of it was sent before the answer.
  await server.rss("rss-reset");
  const big = await postMultipart(server.url, headersOf(t), jpeg(size));
  const rss = await server.rss("rss-report");
  row({
    scenario: s,
    figure: `${size / 1048576} MiB upload: status`,
    value: big.status,
    baseline: null,
    baselineLabel: "",
    target: "413",
    met: big.status === 413,
    unit: "",
    runs: [],
    baselineRuns: [],
  });
  row({
    scenario: s,
    figure: `${size / 1048576} MiB upload: time to answer`,
    value: big.ms,
    baseline: null,
    baselineLabel: "",
    target: "—",
    met: null,
    unit: "ms",
    runs: [],
    baselineRuns: [],
  });
  row({
    scenario: s,
    figure: `${size / 1048576} MiB upload: bytes sent before the answer`,
    value: big.bytesWritten / 1048576,
    baseline: size / 1048576,
    baselineLabel: "whole body",
    target: "well below the whole body",
    met: big.bytesWritten < size * 0.5,
    unit: "MiB",
    runs: [],
    baselineRuns: [],
  });
  notes.push(
    `${size / 1048576} MiB upload: answered ${big.status} after ${big.ms.toFixed(0)} ms with ${(big.bytesWritten / 1048576).toFixed(1)} MiB of ${size / 1048576} MiB written by the client (an upper bound on what the server read; the rest includes socket buffers); server RSS +${((rss.peak - rss.start) / 1048576).toFixed(1)} MiB meanwhile. Body: ${big.body.slice(0, 160)}`,
  );
}

async function writeReport(started: number) {
  const fmt = (v: number | null, unit = "") => {
    if (v === null || Number.isNaN(v)) return "—";
    const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
    return `${v.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
  };
  const lines = [
    "# Cardrail benchmarks",
    "",
    `Run ${new Date(started).toISOString()} · ${SECONDS} s per measurement · median of ${REPS} interleaved runs · LOG_LEVEL=${LOG_LEVEL} (server and bare baseline) · ${hasTaskset ? "server pinned to core 1, load generators (autocannon, pgbench) to core 0, PostgreSQL unpinned" : "no pinning"} · Node ${process.version} · load average at start ${loadAtStart.map((l) => l.toFixed(1)).join("/")}, at end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        "/",
      )} (2 cores: anything above ~0 before the run is other work competing with the benchmark)`,
    "",
    "| scenario | figure | Cardrail | baseline | ratio | target | result |",
    "|---|---|---:|---:|---:|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.figure} | ${fmt(r.value, r.unit)} | ${r.baseline === null ? "—" : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`} | ${r.ratio === null ? "—" : `${r.ratio.toFixed(2)}×`} | ${r.target} | ${r.met === null ? "" : r.met ? "met" : "**MISSED**"} |`,
    ),
    "",
    "## Notes",
    "",
    ...notes.map((n) => `- ${n}`),
    "",
  ];
  const missed = rows.filter((r) => r.met === false);
  lines.push(
    missed.length
      ? `**Missed targets (${missed.length}):** ${missed.map((r) => `${r.scenario}: ${r.figure}`).join("; ")}`
      : "All targets met.",
    "",
  );
  const md = lines.join("\n");
  const dir = join(benchDir, "results");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "latest.md"), md);
  await writeFile(
    join(dir, "latest.json"),
    `${JSON.stringify({ startedAt: new Date(started).toISOString(), seconds: SECONDS, reps: REPS, logLevel: LOG_LEVEL, node: process.version, rows, notes }, null, 2)}\n`,
  );
  console.log(`\n${md}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
