import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { benchDir, hasTaskset, median } from "./lib.ts";
import { LOG_LEVEL, REPS, SECONDS } from "./settings.ts";

/** The figures the scenarios collect and the report they make: bench/results/latest.{md,json}. */

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
export const rows: Row[] = [];
const loadAtStart = loadavg();
export const notes: string[] = [];

export function row(r: Omit<Row, "ratio"> & { ratio?: number | null }) {
  const ratio = r.ratio !== undefined ? r.ratio : r.baseline ? r.value / r.baseline : null;
  const full = { ...r, ratio };
  rows.push(full);
  const fmt = (v: number | null) => (v === null ? "—" : v.toFixed(v >= 100 ? 0 : 2));
  console.log(
    `  ${r.scenario} | ${r.figure}: ${fmt(r.value)} ${r.unit} vs ${fmt(r.baseline)} (${r.baselineLabel}) ratio ${ratio === null ? "—" : ratio.toFixed(2)} target ${r.target} ${r.met === null ? "" : r.met ? "MET" : "MISSED"}`,
  );
}

/** The latency rows of a scenario (no target: reported beside the baseline for context). */
export function latencyRows(
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

export async function writeReport(started: number) {
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
