/**
 * The process under test, started by bench/run.ts (one per scenario group, pinned to its own core).
 *
 *   tsx bench/server.ts cardrail   the real composition from src/runtime.ts on DATABASE_URL, with the
 *                                  UQPay simulator in-process (no state file), no recovery sweeps
 *   tsx bench/server.ts bare       a bare Fastify route returning constant JSON, same Fastify, same
 *                                  pino logger factory and level
 *
 * Talks to the parent over IPC: sends {type:"ready", url, simulatorUrl, simulatorAdminToken}; answers {cmd:"rss-reset"}
 * and {cmd:"rss-report"} with the RSS sampled every 5 ms from inside this process; exits on
 * {cmd:"stop"} or when the parent goes away.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { createRuntime } from "../src/runtime.ts";

type Message = { cmd: "rss-reset" } | { cmd: "rss-report" } | { cmd: "stop" };

const send = (message: unknown) => process.send?.(message);

let rssStart = process.memoryUsage().rss;
let rssPeak = rssStart;
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  if (rss > rssPeak) rssPeak = rss;
}, 5);
sampler.unref();

async function main() {
  const kind = process.argv[2];
  const logLevel = process.env.LOG_LEVEL ?? "warn";
  let close: () => Promise<void>;
  let url: string;
  let simulatorUrl: string | null = null;
  let simulatorAdminToken: string | null = null;

  if (kind === "bare") {
    const app = Fastify({ loggerInstance: createLogger(logLevel) });
    const body = { success: true, holderId: "ch_bench", status: "ACTIVE", canIssueCard: true };
    app.get("/bare/:id/status", async () => body);
    url = await app.listen({ port: 0, host: "127.0.0.1" });
    close = () => app.close();
  } else if (kind === "cardrail") {
    const dataDir = await mkdtemp(join(tmpdir(), "cardrail-bench-"));
    const config = loadConfig({
      ...process.env,
      LOG_LEVEL: logLevel,
      CARDRAIL_DATA_DIR: dataDir,
      SIMULATOR_REVIEW_DELAY_MS: process.env.SIMULATOR_REVIEW_DELAY_MS ?? "10",
      SIMULATOR_CARD_ACTIVATION_DELAY_MS: process.env.SIMULATOR_CARD_ACTIVATION_DELAY_MS ?? "5",
      STATUS_REFRESH_INTERVAL_MS: "0",
      // The per-key limit (default 6,000/min = 100 req/s per key) would cap every scenario that
      // drives one key; it stays in the request path, just high enough never to trigger.
      RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? "1000000000",
    });
    if (!config.DATABASE_URL) throw new Error("bench/server.ts needs DATABASE_URL (PostgreSQL)");
    // inMemoryDatabase only matters without DATABASE_URL; here it keeps the simulator from
    // re-serialising its whole state to a file every 250 ms (a simulator cost, not Cardrail's).
    const runtime = await createRuntime(config, createLogger(logLevel), { inMemoryDatabase: true });
    url = await runtime.app.listen({ port: 0, host: "127.0.0.1" });
    simulatorUrl = runtime.simulatorUrl;
    simulatorAdminToken = (await runtime.simulatorAdmin())?.token ?? null;
    close = async () => {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    };
  } else {
    throw new Error(`usage: tsx bench/server.ts cardrail|bare (got ${kind})`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    await close().catch(() => {});
    process.exit(0);
  };
  process.on("message", (message: Message) => {
    if (message.cmd === "rss-reset") {
      rssStart = process.memoryUsage().rss;
      rssPeak = rssStart;
      send({ type: "rss", start: rssStart, peak: rssPeak });
    } else if (message.cmd === "rss-report") {
      send({ type: "rss", start: rssStart, peak: rssPeak, now: process.memoryUsage().rss });
    } else if (message.cmd === "stop") {
      void stop();
    }
  });
  process.on("disconnect", () => void stop());
  process.on("SIGTERM", () => void stop());
  send({ type: "ready", url, simulatorUrl, simulatorAdminToken, pid: process.pid });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
