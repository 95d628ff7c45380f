import type { Db } from "../../src/db/pool.ts";
import { checkLedgerInvariants } from "../../src/modules/wallet/invariants.ts";
import { type LoadResult, median, pgbench, type ServerProcess, sleep } from "../lib.ts";
import { type BenchTenant, issuanceScript, OUTCOME } from "../pgbench-scripts.ts";
import { latencyRows, notes, row } from "../report.ts";
import { AMOUNT_MINOR, log, REPS, SECONDS, TENANTS } from "../settings.ts";
import { checkStatuses, issuance } from "../traffic.ts";

/** 2 and 3: POST /cards across many tenants and on one hot tenant, beside pgbench running the same SQL. */

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

export async function issuanceManyTenants(
  cardrail: ServerProcess,
  dbUrl: string,
  tenants: BenchTenant[],
) {
  log(`2. Issuance across ${TENANTS} tenants, 32 connections vs pgbench -c 32`);
  const { cr, pb } = await issuanceVsPgbench("many tenants", cardrail, dbUrl, tenants, 32);
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

export async function issuanceHotTenant(
  cardrail: ServerProcess,
  dbUrl: string,
  db: Db,
  hot: BenchTenant,
) {
  log("3. Issuance on one hot tenant at 8 and 32 clients vs pgbench on the same hot row");
  const hotRps: Record<number, number> = {};
  for (const conns of [8, 32]) {
    const { cr, pb } = await issuanceVsPgbench(`hot ${conns}`, cardrail, dbUrl, [hot], conns);
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
  if (violations.length) notes.push(`ledger violations: ${JSON.stringify(violations.slice(0, 5))}`);
}
