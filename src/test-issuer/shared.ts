import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import type { Db } from "../db/pool.ts";
import { buildSimulator, type Simulator, type SimulatorOptions } from "../simulator/app.ts";
import type { SnapshotStore } from "../simulator/persist.ts";
import { publishedSimulator, testIssuerRow } from "./row.ts";
import { stateSealer } from "./sealed-state.ts";

/**
 * Test mode's issuer: ONE simulator per database, shared by every process on it.
 *
 * With PostgreSQL, the process holding a session-level advisory lock (on a connection of its own)
 * is the leader: it runs the simulator on loopback, publishes its URL and admin token in the
 * `test_issuer` row, and keeps the simulator's state in that row. The others send their test-mode
 * calls to the published URL. PostgreSQL releases the lock when the leader's session dies, and a
 * follower (polling) takes over with the same state, credentials and JWT key, so earlier cards still
 * reveal and tokens stay valid. With the embedded database there is one process: it leads, with the
 * state in the data folder's simulator-state.json.
 */
export interface TestIssuer {
  /** The simulator's API base (…/api) as last published; cached until `forget`. */
  apiBaseUrl(): Promise<string>;
  /** A request never reached the published URL: look it up again next time. */
  forget(): void;
  clientId: string;
  apiKey: string;
  /** What the simulator signs its webhooks with (known to every process, which all verify them). */
  webhookSecret: string;
  /** Creates an Issuing sub-account (a tenant's own) through the leader's admin API. */
  createSubAccount(): Promise<string>;
  /** The leader's admin API: root URL and bearer token. */
  admin(): Promise<{ url: string; token: string }>;
  /** This process's simulator while it leads (null otherwise). */
  local(): Simulator | null;
  /** Where this process receives issuer webhooks; the simulator sends to its own process's. */
  receiveWebhooksAt(url: string): void;
  close(): Promise<void>;
}

/** A session-level advisory lock key: "cardrail test issuer". */
const LEADER_LOCK = 0x63_72_74_69;
const POLL_MS = 1000;

export interface TestIssuerOptions {
  db: Db;
  logger: Logger;
  /** PostgreSQL: elect a leader through this server. Absent: the embedded database, lead at once. */
  databaseUrl?: string;
  /** Embedded: the snapshot file. */
  stateFile?: string;
  /** false: the simulator's state lives in memory only (tests, benchmarks). */
  persist?: boolean;
  /** false: never lead, only follow what is published (the CLI). */
  lead?: boolean;
  /** Seals the state kept in the database (CARDRAIL_KEY_PEPPER; the built-in one when unset). */
  pepper: string;
  simulator: Pick<
    SimulatorOptions,
    "reviewDelayMs" | "cardActivationDelayMs" | "preCancelDelayMs" | "seed"
  >;
}

export async function startTestIssuer(opts: TestIssuerOptions): Promise<TestIssuer> {
  const row = await testIssuerRow(opts.db);
  const log = opts.logger.child({ component: "test-issuer" });
  let simulator: Simulator | null = null;
  let webhookUrl: string | null = null;
  let cached: { url: string; token: string } | null = null;
  let closed = false;
  let session: pg.Client | null = null;
  let poll: NodeJS.Timeout | null = null;

  const aimWebhooks = () => {
    if (simulator && webhookUrl)
      simulator.ctx.webhooks.target = { url: webhookUrl, secret: row.webhook_secret };
  };

  async function lead(store: SnapshotStore | undefined, stateFile: string | undefined) {
    const adminToken = randomBytes(24).toString("base64url");
    const sim = await buildSimulator({
      ...opts.simulator,
      clientId: row.client_id,
      apiKey: row.api_key,
      adminToken,
      ...(opts.persist === false
        ? {}
        : store
          ? { stateStore: store }
          : stateFile
            ? { stateFile }
            : {}),
    });
    const address = await sim.app.listen({ port: 0, host: "127.0.0.1" });
    simulator = sim;
    aimWebhooks();
    await opts.db
      .updateTable("test_issuer")
      .set({
        url: address,
        admin_token: adminToken,
        leader_pid: process.pid,
        updated_at: new Date(),
      })
      .execute();
    cached = { url: address, token: adminToken };
    log.info({ url: address }, "running the test-mode simulator for this database");
  }

  async function stepDown(reason: unknown) {
    const sim = simulator;
    simulator = null;
    cached = null;
    session = null;
    if (!sim) return;
    // Without our session another process may lead already: serving on would split the state.
    log.error({ err: reason }, "lost the test-issuer leadership; stopping the local simulator");
    await sim.close().catch(() => {});
  }

  /** PostgreSQL: try to take the lock; on success, lead with the state kept in the row. */
  const sealer = stateSealer(opts.pepper);

  async function tryLead(databaseUrl: string) {
    if (closed || simulator) return;
    if (!session) {
      // keepAlive: a session that died silently is noticed (and the lock released) sooner.
      const client = new pg.Client({ connectionString: databaseUrl, keepAlive: true });
      client.on("error", (err) => void stepDown(err));
      await client.connect();
      session = client;
    }
    const client = session;
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
      LEADER_LOCK,
    ]);
    if (!rows[0]?.ok || closed) return;
    // Saved through the lock's own session: if that session is gone, the write fails rather than
    // overwrite what a new leader saves.
    const store: SnapshotStore = {
      async load() {
        const r = await client.query<{ state: string | null }>("SELECT state FROM test_issuer");
        const opened = r.rows[0]?.state ? sealer.open(r.rows[0].state) : undefined;
        return opened ? JSON.parse(opened) : undefined;
      },
      async save(json) {
        try {
          await client.query("UPDATE test_issuer SET state = $1, updated_at = now()", [
            sealer.seal(json),
          ]);
        } catch (err) {
          // Our session (hence the lock) is gone: someone else may lead now. Stop serving rather
          // than diverge; never let this take the API process down.
          await stepDown(err);
        }
      },
    };
    await lead(store, undefined);
  }

  if (opts.lead !== false) {
    if (opts.databaseUrl) {
      const url = opts.databaseUrl;
      const attempt = () =>
        tryLead(url).catch((err) => {
          log.warn({ err }, "test-issuer leader election failed; retrying");
          session?.end().catch(() => {});
          session = null;
        });
      await attempt();
      poll = setInterval(() => void attempt(), POLL_MS);
      poll.unref();
    } else {
      await lead(undefined, opts.stateFile);
    }
  }

  async function admin() {
    if (simulator && cached) return cached;
    if (!cached) cached = await publishedSimulator(opts.db);
    if (!cached) throw new Error("no test-mode simulator is running for this database yet");
    return cached;
  }

  return {
    clientId: row.client_id,
    apiKey: row.api_key,
    webhookSecret: row.webhook_secret,
    async apiBaseUrl() {
      return `${(await admin()).url}/api`;
    },
    forget() {
      if (!simulator) cached = null;
    },
    admin,
    async createSubAccount() {
      const { url, token } = await admin();
      const response = await fetch(`${url}/__sim/sub-accounts`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      }).catch((err: unknown) => {
        cached = null;
        throw err;
      });
      if (response.status !== 201)
        throw new Error(`the simulator refused to create a sub-account: ${response.status}`);
      return ((await response.json()) as { account_id: string }).account_id;
    },
    local: () => simulator,
    receiveWebhooksAt(url) {
      webhookUrl = url;
      aimWebhooks();
    },
    async close() {
      closed = true;
      if (poll) clearInterval(poll);
      const sim = simulator;
      simulator = null;
      await sim?.close();
      await session?.end().catch(() => {});
      session = null;
    },
  };
}
