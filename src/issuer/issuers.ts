import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { Db } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import {
  assignedIssuerAccount,
  type IssuerAccount,
  liveIssuerAccount,
} from "../modules/tenants/issuer-accounts.ts";
import type { TestIssuer } from "../test-issuer/shared.ts";
import { simulatorAdmin } from "../test-issuer/simulator-admin.ts";
import { type CardIssuer, IssuerError, type IssuerFor, type IssuerWebhooks } from "./port.ts";
import { createUqpayIssuer } from "./uqpay/adapter.ts";
import { createUqpayClient, type UqpayClient } from "./uqpay/client.ts";
import { UQPAY_CAPABILITIES } from "./uqpay/controls.ts";
import { isUqpaySandbox, type SimulationSupport } from "./uqpay/simulation.ts";
import { uqpayWebhooks } from "./uqpay/webhooks.ts";

/** How the issuer's webhooks are verified and read (test mode's simulator signs and shapes them alike). */
export const issuerWebhooks: IssuerWebhooks = uqpayWebhooks;

/** Test mode's issuer: an external simulator (SIMULATOR_URL), or the shared in-process one. */
export type TestUpstream =
  | { kind: "external"; url: string; clientId: string; apiKey: string; adminToken?: string }
  | { kind: "shared"; issuer: TestIssuer };

/**
 * A CardIssuer whose every call first finds the right account (async), then delegates. What is not
 * a call (capabilities, whether simulation exists) is the adapter's, known before any account.
 */
function deferred(
  resolve: () => Promise<CardIssuer>,
  simulation: SimulationSupport | undefined,
  onError?: (error: unknown) => Promise<void>,
): CardIssuer {
  const via = async <T>(call: (issuer: CardIssuer) => Promise<T>): Promise<T> => {
    try {
      return await call(await resolve());
    } catch (error) {
      await onError?.(error);
      throw error;
    }
  };
  return {
    submitCardholder: (...a) => via((i) => i.submitCardholder(...a)),
    getCardholder: (...a) => via((i) => i.getCardholder(...a)),
    resubmitDocuments: (...a) => via((i) => i.resubmitDocuments(...a)),
    issueCard: (...a) => via((i) => i.issueCard(...a)),
    getCard: (...a) => via((i) => i.getCard(...a)),
    getSecureDetails: (...a) => via((i) => i.getSecureDetails(...a)),
    listProducts: (...a) => via((i) => i.listProducts(...a)),
    changeCardStatus: (...a) => via((i) => i.changeCardStatus(...a)),
    rechargeCard: (...a) => via((i) => i.rechargeCard(...a)),
    withdrawFromCard: (...a) => via((i) => i.withdrawFromCard(...a)),
    getOrder: (...a) => via((i) => i.getOrder(...a)),
    updateCardControls: (...a) => via((i) => i.updateCardControls(...a)),
    listTransactions: (...a) => via((i) => i.listTransactions(...a)),
    capabilities: UQPAY_CAPABILITIES,
    ...(simulation ? { simulation: deferredSimulation(via, simulation) } : {}),
  };
}

function deferredSimulation(
  via: <T>(call: (issuer: CardIssuer) => Promise<T>) => Promise<T>,
  support: SimulationSupport,
): NonNullable<CardIssuer["simulation"]> {
  const sim = (i: CardIssuer) => {
    if (!i.simulation) throw new IssuerError("rejected", "this issuer cannot simulate card use");
    return i.simulation;
  };
  const optional = (name: "settle" | "refund") => (id: string) =>
    via((i) => {
      const step = sim(i)[name];
      if (!step) throw new IssuerError("rejected", `this issuer cannot simulate a ${name}`);
      return step(id);
    });
  return {
    authorize: (...a) => via((i) => sim(i).authorize(...a)),
    reverse: (...a) => via((i) => sim(i).reverse(...a)),
    ...(support.kind === "builtin" && support.admin
      ? { settle: optional("settle"), refund: optional("refund") }
      : {}),
  };
}

/**
 * Which simulation each upstream offers: test mode's simulator all of it (settle and refund through
 * its admin API, when we hold its token); a live issuer only against UQPay's sandbox.
 */
function testSimulation(test: TestUpstream): SimulationSupport {
  if (test.kind === "shared")
    return {
      kind: "builtin",
      admin: simulatorAdmin(
        () => test.issuer.admin(),
        () => test.issuer.forget(),
      ),
    };
  const token = test.adminToken;
  if (!token) return { kind: "builtin" };
  const url = test.url.replace(/\/api\/?$/, "");
  return { kind: "builtin", admin: simulatorAdmin(async () => ({ url, token })) };
}

export function createIssuers(
  config: Config,
  logger: Logger,
  db: Db,
  test: TestUpstream | null,
): IssuerFor {
  const log = logger.child({ component: "uqpay" });
  const testClient: UqpayClient | null = !test
    ? null
    : test.kind === "external"
      ? createUqpayClient({
          baseUrl: test.url,
          clientId: test.clientId,
          apiKey: test.apiKey,
          timeoutMs: config.UQPAY_TIMEOUT_MS,
          logger: log,
        })
      : createUqpayClient({
          baseUrl: () => test.issuer.apiBaseUrl(),
          onUnreachable: () => test.issuer.forget(),
          clientId: test.issuer.clientId,
          apiKey: test.issuer.apiKey,
          timeoutMs: config.UQPAY_TIMEOUT_MS,
          logger: log,
        });
  const liveClient =
    config.UQPAY_CLIENT_ID && config.UQPAY_API_KEY
      ? createUqpayClient({
          baseUrl: config.UQPAY_BASE_URL,
          clientId: config.UQPAY_CLIENT_ID,
          apiKey: config.UQPAY_API_KEY,
          timeoutMs: config.UQPAY_TIMEOUT_MS,
          logger: log,
        })
      : null;

  const simulationFor: Record<Mode, SimulationSupport | undefined> = {
    test: test ? testSimulation(test) : undefined,
    live: isUqpaySandbox(config.UQPAY_BASE_URL) ? { kind: "sandbox" } : undefined,
  };
  const adapters = new Map<string, CardIssuer>();
  const adapterFor = (client: UqpayClient, mode: Mode, account: IssuerAccount) => {
    const id = account.kind === "master" ? undefined : account.id;
    const key = `${mode}/${id ?? "master"}`;
    let issuer = adapters.get(key);
    if (!issuer) {
      const simulation = simulationFor[mode];
      issuer = createUqpayIssuer(client.forAccount(id), simulation ? { simulation } : {});
      adapters.set(key, issuer);
    }
    return issuer;
  };

  // Test mode: a sub-account per tenant, made on first use (no set-up by anyone), remembered in the
  // database; the in-flight map makes concurrent first calls in this process share one.
  const testAccounts = new Map<string, Promise<IssuerAccount>>();
  const provisionTestAccount = async (tenantId: string): Promise<IssuerAccount> => {
    const assigned = await assignedIssuerAccount(db, tenantId, "test");
    if (assigned) return assigned;
    let accountId: string;
    try {
      accountId = await createSubAccount(test);
    } catch (cause) {
      throw new IssuerError("unavailable", "the test-mode issuer could not set up this tenant", {
        cause,
      });
    }
    // Another process may have provisioned one first: theirs wins, ours stays unused and empty.
    await db
      .insertInto("tenant_issuer_accounts")
      .values({ tenant_id: tenantId, mode: "test", account_id: accountId })
      .onConflict((oc) => oc.columns(["tenant_id", "mode"]).doNothing())
      .execute();
    const stored = await assignedIssuerAccount(db, tenantId, "test");
    if (!stored) throw new Error("test-mode issuer account vanished after it was stored");
    return stored;
  };
  const testAccount = (tenantId: string) => {
    let pending = testAccounts.get(tenantId);
    if (!pending) {
      pending = provisionTestAccount(tenantId);
      testAccounts.set(tenantId, pending);
      pending.catch(() => testAccounts.delete(tenantId));
    }
    return pending;
  };

  // Live mode: looked up on every call (an operator may assign an account while we run).
  const liveAccount = async (tenantId: string): Promise<IssuerAccount> => {
    const account = await liveIssuerAccount(db, tenantId);
    if (!account)
      throw new IssuerError(
        "unavailable",
        "no live issuer account is assigned to this tenant (operator: tenants set-issuer-account)",
      );
    return account;
  };

  // A test-mode sub-account the simulator no longer knows (its state was lost: a deleted state
  // file, or a leader that died before saving it) is forgotten, so the next call makes a fresh one.
  const forgetLostTestAccount = async (tenantId: string, error: unknown) => {
    if (!(error instanceof IssuerError) || error.detail.issuerCode !== "sub_account_not_found")
      return;
    const account = await testAccounts.get(tenantId)?.catch(() => null);
    testAccounts.delete(tenantId);
    if (account?.kind !== "sub") return;
    log.warn(
      { tenantId },
      "the test-mode simulator lost this tenant's sub-account; making a new one",
    );
    await db
      .deleteFrom("tenant_issuer_accounts")
      .where("tenant_id", "=", tenantId)
      .where("mode", "=", "test")
      .where("account_id", "=", account.id)
      .execute();
  };

  const perTenant = new Map<string, CardIssuer>();
  return (mode, tenantId) => {
    const client = mode === "test" ? testClient : liveClient;
    if (!client) return null;
    const key = `${mode}/${tenantId}`;
    let issuer = perTenant.get(key);
    if (!issuer) {
      issuer = deferred(
        async () =>
          adapterFor(
            client,
            mode,
            mode === "test" ? await testAccount(tenantId) : await liveAccount(tenantId),
          ),
        simulationFor[mode],
        mode === "test" ? (error) => forgetLostTestAccount(tenantId, error) : undefined,
      );
      perTenant.set(key, issuer);
    }
    return issuer;
  };
}

/** A new sub-account from the test-mode simulator's admin API. */
async function createSubAccount(test: TestUpstream | null): Promise<string> {
  if (!test) throw new Error("no test-mode issuer");
  if (test.kind === "shared") return test.issuer.createSubAccount();
  if (!test.adminToken)
    throw new Error("SIMULATOR_ADMIN_TOKEN is needed to create this tenant's sub-account");
  const response = await fetch(`${test.url.replace(/\/api$/, "")}/__sim/sub-accounts`, {
    method: "POST",
    headers: { authorization: `Bearer ${test.adminToken}` },
  });
  if (response.status !== 201)
    throw new Error(`the simulator refused to create a sub-account: ${response.status}`);
  return ((await response.json()) as { account_id: string }).account_id;
}
