import { type LoadResult, load, median, type ServerProcess } from "../lib.ts";
import type { BenchTenant } from "../pgbench-scripts.ts";
import { row } from "../report.ts";
import { log, REPS, SECONDS } from "../settings.ts";
import { checkStatuses, headersOf } from "../traffic.ts";

/** 1: the HTTP layer, GET /cardholders/:id/status beside a bare Fastify route. */
export async function httpLayer(cardrail: ServerProcess, bare: ServerProcess, t: BenchTenant) {
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
