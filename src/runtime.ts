import { join, resolve } from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import { buildApp } from "./app.ts";
import { type OperatorChannel, serveOperatorChannel } from "./cli/channel/server.ts";
import { serviceHost } from "./cli/context.ts";
import { run } from "./cli/run.ts";
import { type Config, webhookUrlPolicy } from "./config.ts";
import type { Mode } from "./db/schema.ts";
import type { App } from "./http/types.ts";
import { createIssuers, issuerWebhooks, type TestUpstream } from "./issuer/issuers.ts";
import type { IssuerFor } from "./issuer/port.ts";
import { createWebhookWorker, type WebhookWorker } from "./jobs/deliver-webhooks.ts";
import { purgeDocuments, refreshStaleReviews, submitPendingKyc } from "./jobs/kyc.ts";
import { type PeriodicTask, periodic } from "./jobs/periodic.ts";
import { recoverCards } from "./jobs/recover-cards.ts";
import { loadDocumentsKey } from "./modules/documents/key.ts";
import { localFolderStore } from "./modules/documents/store.ts";
import type { DocumentVault } from "./modules/documents/vault.ts";
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
  const vault: DocumentVault = {
    key: await loadDocumentsKey(config.DOCUMENTS_ENCRYPTION_KEY, config.CARDRAIL_DATA_DIR),
    store: localFolderStore(
      config.DOCUMENTS_DIR ?? join(resolve(config.CARDRAIL_DATA_DIR), "documents"),
    ),
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
      settings: {
        statusRefreshIntervalMs: config.STATUS_REFRESH_INTERVAL_MS,
        idempotencyLockTimeoutMs: config.IDEMPOTENCY_LOCK_TIMEOUT_MS,
        revealWaitMs: config.REVEAL_WAIT_MS,
        uploadMaxFileBytes: config.UPLOAD_MAX_FILE_BYTES,
        uploadMaxTotalBytes: config.UPLOAD_MAX_TOTAL_BYTES,
        perKeyPerMinute: config.RATE_LIMIT_PER_MINUTE,
        revealsPerMinute: config.REVEAL_RATE_LIMIT_PER_MINUTE,
        authFailuresPerKey: config.AUTH_FAILURES_PER_KEY,
        authFailuresPerAddress: config.AUTH_FAILURES_PER_ADDRESS,
        authFailureWindowMs: config.AUTH_FAILURE_WINDOW_MS,
        revealTokenTtlMs: config.REVEAL_TOKEN_TTL_MS,
        revealTokenRedeemsPerMinute: config.REVEAL_TOKEN_REDEEMS_PER_MINUTE,
        revealAllowedOrigins: config.REVEAL_ALLOWED_ORIGINS,
        strictResponseSchemas: config.STRICT_RESPONSE_SCHEMAS,
      },
    },
    logger as FastifyBaseLogger,
  );

  const sweepLog = logger.child({ component: "recovery" });
  const recoverOnce = () =>
    recoverCards({
      db: database.db,
      issuerFor,
      log: sweepLog,
      olderThanMs: config.RECOVERY_AFTER_MS,
      lockTimeoutMs: config.IDEMPOTENCY_LOCK_TIMEOUT_MS,
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
