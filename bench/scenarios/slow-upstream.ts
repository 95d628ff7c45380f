import { type LoadResult, median, type ServerProcess } from "../lib.ts";
import type { BenchTenant } from "../pgbench-scripts.ts";
import { latencyRows, notes, row } from "../report.ts";
import { log, REPS } from "../settings.ts";
import { checkStatuses, issuance, simFaults } from "../traffic.ts";

/** 4: the hot tenant's issuance when every upstream card create takes 50 ms more. */
export async function slowUpstream(cardrail: ServerProcess, hot: BenchTenant) {
  log("4. Hot tenant, 32 clients: upstream card create at 50 ms vs 0 ms");
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
