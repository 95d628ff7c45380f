import { ConfigError, loadConfig, loadDotEnv } from "./config.ts";
import { FolderBusyError } from "./db/folder-lock.ts";
import { createLogger } from "./logger.ts";
import { seedDemoTenant } from "./modules/tenants/demo.ts";
import { createRuntime } from "./runtime.ts";
import { demoBanner, nextSteps, portProblem } from "./start-banner.ts";

/** config → database → migrations → HTTP server + recovery sweep; graceful shutdown on SIGINT/SIGTERM. */
async function main() {
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // Before anything is created: a taken port must not leave a demo tenant whose keys nobody saw.
  const problem = await portProblem(config.HOST, config.PORT);
  if (problem) throw new StartError(problem);
  const runtime = await createRuntime(config, logger);
  if (config.DATABASE_URL && !config.CARDRAIL_KEY_PEPPER) {
    logger.warn(
      "CARDRAIL_KEY_PEPPER is not set: the built-in pepper is public, so API key hashes and the ledger journal's key (derived from it) protect nothing against someone with a database login. Set it (openssl rand -base64 32); production refuses to start without it",
    );
  }

  let address: string;
  try {
    // Fastify logs its own line as the server binds; "Cardrail is listening" below is the one.
    address = await runtime.app.listen({
      port: config.PORT,
      host: config.HOST,
      listenTextResolver: (at) => `HTTP server bound to ${at}`,
    });
  } catch (error) {
    await runtime.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      throw new StartError((await portProblem(config.HOST, config.PORT)) ?? String(error));
    }
    throw error;
  }
  // Only once the port is ours: the keys are printed in the same start that creates them.
  const seed = runtime.database.embedded
    ? config.CARDRAIL_SEED_DEMO !== false
    : config.CARDRAIL_SEED_DEMO === true;
  const demo = seed ? await seedDemoTenant(runtime.database.db, runtime.hashKey) : null;
  await runtime.connectSimulatorWebhooks(address);
  runtime.startSweeps();
  // For the person at the terminal, on stderr: stdout carries only JSON log lines, for shippers.
  process.stderr.write(demo ? demoBanner(demo, address) : ["", ...nextSteps(address)].join("\n"));

  logger.info(
    {
      address,
      database: runtime.database.embedded
        ? `embedded PGlite in ${config.CARDRAIL_DATA_DIR}`
        : "PostgreSQL",
      testUpstream: runtime.simulatorUrl,
      docs: `${address}/docs`,
    },
    "Cardrail is listening",
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await runtime.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** A start refused for a reason the operator can fix: said in one line, no stack trace. */
class StartError extends Error {}

main().catch((error: unknown) => {
  // Refusals an operator fixes (configuration, a taken port, a data folder in use): one line.
  const folderBusy = error instanceof Error && error.cause instanceof FolderBusyError;
  if (error instanceof ConfigError || error instanceof StartError || folderBusy) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Cardrail failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
