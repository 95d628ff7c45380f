/** Plumbing shared by the benchmark scenarios: processes, databases, load, statistics. */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon, { type Options } from "autocannon";
import pg from "pg";

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const PG_BASE = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export const hasTaskset = existsSync("/usr/bin/taskset");
/** Core for the server under test; the load generator (this process, pgbench) takes the other. */
export const SERVER_CORE = "1";
export const LOADGEN_CORE = "0";

export function pinSelf(): void {
  if (!hasTaskset) return;
  try {
    execFileSync("taskset", ["-a", "-cp", LOADGEN_CORE, String(process.pid)], { stdio: "ignore" });
  } catch {
    // best effort
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(sortedAsc: number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const i = Math.min(
    sortedAsc.length - 1,
    Math.max(0, Math.ceil((p / 100) * sortedAsc.length) - 1),
  );
  return sortedAsc[i] as number;
}

// ---------------------------------------------------------------- databases

export async function createBenchDatabase(): Promise<{
  name: string;
  url: string;
  drop(): Promise<void>;
}> {
  const name = `cardrail_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: PG_BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_BASE);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_BASE });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

// ---------------------------------------------------------------- server processes

export interface ServerProcess {
  url: string;
  simulatorUrl: string | null;
  /** Bearer token of the simulator's /__sim/ admin API. */
  simulatorAdminToken: string | null;
  pid: number;
  rss(cmd: "rss-reset" | "rss-report"): Promise<{ start: number; peak: number; now?: number }>;
  stop(): Promise<void>;
}

/** Starts bench/server.ts in its own process (pinned to SERVER_CORE), waits for its "ready". */
export async function startServer(
  kind: "cardrail" | "bare",
  env: Record<string, string>,
  extraNodeArgs: string[] = [],
): Promise<ServerProcess> {
  const script = join(benchDir, "server.ts");
  const nodeArgs = ["--import", "tsx", ...extraNodeArgs];
  let child: ChildProcess;
  const childEnv = { ...process.env, ...env };
  if (hasTaskset) {
    child = spawn("taskset", ["-c", SERVER_CORE, process.execPath, ...nodeArgs, script, kind], {
      env: childEnv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  } else {
    child = fork(script, [kind], {
      env: childEnv,
      execArgv: nodeArgs,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  }
  const waiters: Array<(m: unknown) => void> = [];
  let readyMessage:
    | { url: string; simulatorUrl: string | null; simulatorAdminToken: string | null; pid: number }
    | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${kind} server did not start in 60 s`)),
      60_000,
    );
    child.on("message", (m: { type: string }) => {
      if (m.type === "ready") {
        clearTimeout(timer);
        readyMessage = m as unknown as typeof readyMessage;
        resolve();
      } else {
        waiters.shift()?.(m);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited with ${code}`));
    });
  });
  await ready;
  const info = readyMessage as NonNullable<typeof readyMessage>;
  return {
    url: info.url,
    simulatorUrl: info.simulatorUrl,
    simulatorAdminToken: info.simulatorAdminToken,
    pid: info.pid,
    rss(cmd) {
      return new Promise((resolve) => {
        waiters.push(resolve as (m: unknown) => void);
        child.send({ cmd });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ cmd: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- HTTP load (autocannon)

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  bad: number;
  errors: number;
  statuses: Record<string, number>;
}

/** One bounded autocannon run (duration in seconds); counts only 2xx as served. */
export async function load(options: Options): Promise<LoadResult> {
  const result = await autocannon({ timeout: 10, ...options });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = stat.count;
  const ok = result["2xx"];
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    bad: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
  };
}

// ---------------------------------------------------------------- pgbench

export interface PgbenchResult {
  tps: number;
  p50: number;
  p99: number;
  transactions: number;
  failed: number;
}

/** Runs pgbench (pinned to the load generator's core) with per-transaction logging for percentiles. */
export async function pgbench(
  dbUrl: string,
  scripts: string[],
  clients: number,
  seconds: number,
  vars: Record<string, string> = {},
): Promise<PgbenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "cardrail-pgbench-"));
  try {
    const files: string[] = [];
    for (const [i, text] of scripts.entries()) {
      const file = join(dir, `s${i}.sql`);
      await writeFile(file, text);
      files.push("-f", `${file}@1`);
    }
    const url = new URL(dbUrl);
    const args = [
      "-n",
      "-M",
      "extended",
      "-c",
      String(clients),
      "-j",
      "1",
      "-T",
      String(seconds),
      "-l",
      "--log-prefix",
      join(dir, "log"),
      "-h",
      url.hostname,
      "-p",
      url.port || "5432",
      "-U",
      decodeURIComponent(url.username || "postgres"),
      ...Object.entries(vars).flatMap(([k, v]) => ["-D", `${k}=${v}`]),
      ...files,
      url.pathname.slice(1),
    ];
    const cmd = hasTaskset ? "taskset" : "pgbench";
    const fullArgs = hasTaskset ? ["-c", LOADGEN_CORE, "pgbench", ...args] : args;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(cmd, fullArgs, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        out += d;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`pgbench exited ${code}: ${out.slice(-2000)}`));
      });
    });
    const tps = Number(
      /tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1] ?? Number.NaN,
    );
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
    const latencies: number[] = [];
    for (const name of await readdir(dir)) {
      if (!name.startsWith("log")) continue;
      for (const line of (await readFile(join(dir, name), "utf8")).split("\n")) {
        const fields = line.split(" ");
        if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      tps,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      transactions: latencies.length,
      failed,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The UQPay simulator as its own process for the whole run (pinned with the load generators):
 * its CPU is not Cardrail's, and it outlives the Cardrail server restarts between scenarios, so
 * cardholders created in one scenario still exist upstream in the next.
 */
export async function startSimulator(): Promise<{ apiUrl: string; stop(): Promise<void> }> {
  const args = ["--import", "tsx", join(benchDir, "..", "src", "simulator", "main.ts")];
  const env = {
    ...process.env,
    SIM_PORT: "0",
    SIM_REVIEW_DELAY_MS: "10",
    SIM_CARD_ACTIVATION_DELAY_MS: "5",
  };
  const child = hasTaskset
    ? spawn("taskset", ["-c", LOADGEN_CORE, process.execPath, ...args], {
        env,
        stdio: ["ignore", "pipe", "inherit"],
      })
    : spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${out}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}: ${out}`)));
  });
  child.stdout?.resume();
  return {
    apiUrl: `${address}/api`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
