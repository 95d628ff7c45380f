import { ConfigError, loadConfig, loadDotEnv } from "./config.ts";
import { createLogger } from "./logger.ts";
import { seedDemoTenant } from "./modules/tenants/demo.ts";
import { createRuntime } from "./runtime.ts";

/** config → database → migrations → HTTP server + recovery sweep; graceful shutdown on SIGINT/SIGTERM. */
async function main() {
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const runtime = await createRuntime(config, logger);

  const seed = runtime.database.embedded
    ? config.CARDRAIL_SEED_DEMO !== false
    : config.CARDRAIL_SEED_DEMO === true;
  const demo = seed ? await seedDemoTenant(runtime.database.db, runtime.hashKey) : null;

  const address = await runtime.app.listen({ port: config.PORT, host: config.HOST });
  await runtime.connectSimulatorWebhooks(address);
  runtime.startSweeps();
  if (demo) {
    // Shown once, on purpose: the secret is stored only as a hash. Lost it? `npm run cli -- keys create`.
    process.stdout.write(
      [
        "",
        "  Demo tenant created (test mode, wallet funded with USD 1,000.00). Save these; they are shown once:",
        `    tenantId      ${demo.tenantId}`,
        `    X-Api-Key     ${demo.apiKey}`,
        `    X-Access-Key  ${demo.accessKey}`,
        `  Try: curl -s ${address}/api/v1/wallet -H "X-Api-Key: ${demo.apiKey}" -H "X-Access-Key: ${demo.accessKey}"`,
        "",
        "",
      ].join("\n"),
    );
  }

  logger.info(
    {
      address,
      database: runtime.database.embedded
        ? `embedded PGlite in ${config.CARDRAIL_DATA_DIR}`
        : "PostgreSQL",
      testUpstream: runtime.simulatorUrl,
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

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Cardrail failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
