/**
 * `npm run bench`: Cardrail's benchmark suite. Every figure is the median of REPS interleaved
 * runs, each beside its baseline from the same run (scenarios/*.ts); report.ts writes
 * bench/results/latest.{md,json}. Knobs: BENCH_SECONDS (per measurement, default 5), BENCH_REPS
 * (default 3), BENCH_LOG_LEVEL (warn).
 */

import { createDb } from "../src/db/pool.ts";
import {
  createBenchDatabase,
  hasTaskset,
  pinSelf,
  type ServerProcess,
  startServer,
  startSimulator,
} from "./lib.ts";
import type { BenchTenant } from "./pgbench-scripts.ts";
import { notes, writeReport } from "./report.ts";
import { httpLayer } from "./scenarios/http.ts";
import { issuanceHotTenant, issuanceManyTenants } from "./scenarios/issuance.ts";
import { idempotentReplay } from "./scenarios/replay.ts";
import { slowUpstream } from "./scenarios/slow-upstream.ts";
import { uploads } from "./scenarios/uploads.ts";
import { LOG_LEVEL, log, REPS, SECONDS, TENANTS } from "./settings.ts";
import { setupTenants } from "./traffic.ts";

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

    await httpLayer(cardrail, bare, hot);
    await bare.stop();
    await issuanceManyTenants(cardrail, database.url, tenants);
    await issuanceHotTenant(cardrail, database.url, db, hot);
    await slowUpstream(cardrail, hot);
    await idempotentReplay(cardrail, tenants[1] as BenchTenant);
    await cardrail.stop();

    // 6. uploads, in a fresh server so its RSS is not shaped by the scenarios before
    await uploads(env, tenants);
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
