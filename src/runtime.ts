import { join, resolve } from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import { buildApp } from "./app.ts";
import { type OperatorChannel, serveOperatorChannel } from "./cli/channel/server.ts";
import { serviceHost } from "./cli/context.ts";
import { run } from "./cli/run.ts";
import { type Config, coreSettings, webhookUrlPolicy } from "./config.ts";
import type { CoreDeps } from "./core/context.ts";
import type { Mode } from "./db/schema.ts";
import { appSettings } from "./http/deps.ts";
import type { App } from "./http/types.ts";
import { createIssuers, issuerWebhooks, type TestUpstream } from "./issuer/issuers.ts";
import type { IssuerFor } from "./issuer/port.ts";
import { backfillTransactions } from "./jobs/backfill-transactions.ts";
import { createWebhookWorker, type WebhookWorker } from "./jobs/deliver-webhooks.ts";
import { purgeDocuments, refreshStaleReviews, submitPendingKyc } from "./jobs/kyc.ts";
import { type PeriodicTask, periodic } from "./jobs/periodic.ts";
import { recoverCardProgram } from "./jobs/recover-card-program.ts";
import { recoverCards } from "./jobs/recover-cards.ts";
import { openDocumentVault } from "./modules/documents/vault.ts";
import { reconcile } from "./modules/reconcile/reconcile.ts";
import { witnessFilePath } from "./modules/reconcile/witness-file.ts";
import { keyHasher, pepperOf } from "./modules/tenants/api-keys.ts";
import { type OpenDatabase, openDatabase } from "./open-database.ts";
import type { Simulator } from "./simulator/app.ts";
import { startTestIssuer, type TestIssuer } from "./test-issuer/shared.ts";

export interface Runtime {
  app: App;
  database: OpenDatabase;
  /** The in-process simulator, while this process runs the database's test-mode issuer. */
  readonly simulator: Simulator | null;
  /** Where test mode's issuer listened at start (…/api). */
  simulatorUrl: string;
  /** The test-mode simulator's admin API (root URL and bearer token), when it is in-process. */
  simulatorAdmin(): Promise<{ url: string; token: string } | null>;
  hashKey: ReturnType<typeof keyHasher>;
  issuerFor: IssuerFor;
  /** The secret each mode's issuer webhooks are signed with. */
  webhookSecret(mode: Mode): string | null;
  /** One pass of the recovery sweep (also run on a timer by `startSweeps`). */
  recoverOnce(): ReturnType<typeof recoverCards>;
  /** One pass of the card program's sweep: top-ups, withdrawals, status changes, cancelled balances. */
  recoverCardProgramOnce(): ReturnType<typeof recoverCardProgram>;
  /** One pass of the transaction backfill (also on a timer, TRANSACTION_SYNC_INTERVAL_MS). */
  backfillTransactionsOnce(): ReturnType<typeof backfillTransactions>;
  /** Outbound webhook delivery; started by `startSweeps`, `runOnce` for one pass. */
  webhooks: WebhookWorker;
  startSweeps(): void;
  /** Points the in-process simulator's webhooks at this service (while it leads), once it listens at `baseUrl`. */
  connectSimulatorWebhooks(baseUrl: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Wires the whole service from a validated config: database (+ migrations), issuers per mode,
 * the HTTP app. main.ts and the test fixtures both use it, so tests run the real composition.
 */
export async function createRuntime(
  config: Config,
  logger: Logger,
  options: { inMemoryDatabase?: boolean } = {},
): Promise<Runtime> {
  const database = await openDatabase(config, { inMemory: options.inMemoryDatabase });
  // Test mode's issuer: SIMULATOR_URL, or one in-process simulator shared by every process on this
  // database (test-issuer/shared.ts), with credentials made once per installation.
  let testIssuer: TestIssuer | null = null;
  let test: TestUpstream;
  let simulatorUrl: string;
  try {
    if (config.SIMULATOR_URL) {
      simulatorUrl = config.SIMULATOR_URL;
      test = {
        kind: "external",
        url: config.SIMULATOR_URL,
        clientId: config.SIMULATOR_CLIENT_ID,
        apiKey: config.SIMULATOR_API_KEY,
        adminToken: config.SIMULATOR_ADMIN_TOKEN,
      };
    } else {
      testIssuer = await startTestIssuer({
        db: database.db,
        logger,
        databaseUrl: database.embedded ? undefined : config.DATABASE_URL,
        pepper: pepperOf(config.CARDRAIL_KEY_PEPPER),
        // Test-mode cards must still reveal after a restart, so the simulator keeps its state too
        // (in the database with PostgreSQL, else in the data folder), unless nothing persists.
        persist: !options.inMemoryDatabase,
        stateFile: join(resolve(config.CARDRAIL_DATA_DIR), "simulator-state.json"),
        simulator: {
          reviewDelayMs: config.SIMULATOR_REVIEW_DELAY_MS,
          cardActivationDelayMs: config.SIMULATOR_CARD_ACTIVATION_DELAY_MS,
          preCancelDelayMs: config.SIMULATOR_PRE_CANCEL_DELAY_MS,
          seed: config.SIMULATOR_SEED,
        },
      });
      test = { kind: "shared", issuer: testIssuer };
      simulatorUrl = await testIssuer.apiBaseUrl().catch(() => "");
    }
  } catch (error) {
    await testIssuer?.close();
    await database.close();
    throw error;
  }

  const issuerFor = createIssuers(config, logger, database.db, test);
  const simulatorWebhookSecret = testIssuer
    ? testIssuer.webhookSecret
    : (config.SIMULATOR_WEBHOOK_SECRET ?? null);
  const webhookSecret = (mode: Mode) =>
    mode === "test" ? simulatorWebhookSecret : (config.UQPAY_WEBHOOK_SECRET ?? null);
  const hashKey = keyHasher(config.CARDRAIL_KEY_PEPPER);
  const vault = await openDocumentVault(config);

  const core: CoreDeps = {
    db: database.db,
    issuerFor,
    vault,
    settings: coreSettings(config),
  };

  const webhookSettings = {
    ...webhookUrlPolicy(config),
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retrySchedule: config.WEBHOOK_RETRY_SCHEDULE,
    pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
  };
  const app = await buildApp(
    {
      db: database.db,
      webhooks: webhookSettings,
      hashKey,
      issuerFor,
      webhookSecret,
      issuerWebhooks,
      vault,
      settings: appSettings(config),
    },
    logger as FastifyBaseLogger,
  );

  const sweepLog = logger.child({ component: "recovery" });
  const recoverOnce = () =>
    recoverCards({ ...core, log: sweepLog, olderThanMs: config.RECOVERY_AFTER_MS });
  const recoverCardProgramOnce = () =>
    recoverCardProgram({ ...core, log: sweepLog, olderThanMs: config.RECOVERY_AFTER_MS });
  const backfillLog = logger.child({ component: "transaction-backfill" });
  const backfillTransactionsOnce = () =>
    backfillTransactions({
      db: database.db,
      issuerFor,
      log: backfillLog,
      intervalMs: config.TRANSACTION_SYNC_INTERVAL_MS,
    });
  const webhooks = createWebhookWorker({
    db: database.db,
    log: logger.child({ component: "webhooks" }),
    settings: webhookSettings,
  });
  const kycDeps = { db: database.db, issuerFor, vault, log: logger.child({ component: "kyc" }) };
  const reconcileLog = logger.child({ component: "reconcile" });
  const tasks: PeriodicTask[] = [
    periodic("recover cards", config.RECOVERY_INTERVAL_MS, sweepLog, recoverOnce),
    periodic("recover card program", config.RECOVERY_INTERVAL_MS, sweepLog, recoverCardProgramOnce),
    periodic(
      "backfill transactions",
      Math.min(config.TRANSACTION_SYNC_INTERVAL_MS, 10_000),
      backfillLog,
      backfillTransactionsOnce,
    ),
    periodic("submit pending KYC", config.KYC_RETRY_INTERVAL_MS, kycDeps.log, () =>
      submitPendingKyc(kycDeps),
    ),
    periodic("refresh stale reviews", config.KYC_RETRY_INTERVAL_MS, kycDeps.log, () =>
      refreshStaleReviews(kycDeps, config.KYC_POLL_AFTER_MS),
    ),
    periodic("purge KYC documents", 3_600_000, kycDeps.log, () =>
      purgeDocuments(kycDeps, config.DOCUMENTS_RETENTION_DAYS),
    ),
    // Reports only (never moves money): a problem is logged at error level for alerting.
    periodic("reconcile", config.RECONCILE_INTERVAL_MS, reconcileLog, async () => {
      const report = await reconcile({
        db: database.db,
        issuerFor,
        log: reconcileLog,
        stuckAfterMs: Math.max(config.RECOVERY_AFTER_MS * 10, 600_000),
        witnessFile: witnessFilePath(config.CARDRAIL_DATA_DIR),
      });
      if (report.ok)
        reconcileLog.info({ cardsChecked: report.cardsChecked }, "reconciliation clean");
      else
        reconcileLog.error(
          { ledger: report.ledger, journal: report.journal, cards: report.cards },
          "reconciliation found problems",
        );
    }),
  ];

  // The CLI reaches an embedded database only through its owner: this service.
  let operator: OperatorChannel | null = null;
  if (database.embedded && !options.inMemoryDatabase) {
    const host = serviceHost({ config, db: database.db, hashKey });
    operator = await serveOperatorChannel({
      dataDir: config.CARDRAIL_DATA_DIR,
      run: (args, io) => run(args, io, host),
      log: logger.child({ component: "operator-channel" }),
    });
  }

  return {
    app,
    database,
    get simulator() {
      return testIssuer?.local() ?? null;
    },
    simulatorUrl,
    async simulatorAdmin() {
      return testIssuer ? testIssuer.admin() : null;
    },
    hashKey,
    issuerFor,
    webhookSecret,
    recoverOnce,
    recoverCardProgramOnce,
    backfillTransactionsOnce,
    webhooks,
    async connectSimulatorWebhooks(baseUrl) {
      testIssuer?.receiveWebhooksAt(`${baseUrl}/webhooks/uqpay/test`);
    },
    startSweeps() {
      webhooks.start();
      for (const task of tasks) task.start();
    },
    async close() {
      await operator?.close();
      await webhooks.stop();
      await Promise.all(tasks.map((task) => task.stop()));
      await app.close();
      await testIssuer?.close();
      await database.close();
    },
  };
}
