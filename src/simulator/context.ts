/** Everything a route or job needs, built once per simulator instance. */
import type { Accounts } from "./accounts.ts";
import type { Auth } from "./auth.ts";
import type { Faults } from "./faults.ts";
import type { Idempotency } from "./idempotency.ts";
import type { Rng } from "./rng.ts";
import type { Scheduler } from "./scheduler.ts";
import type { SimState } from "./state.ts";
import type { Webhooks } from "./webhooks.ts";

export interface SimSettings {
  reviewDelayMs: number;
  cardActivationDelayMs: number;
  /** PRE_CANCEL → CANCELLED wait (30 days upstream; short in the simulator). */
  preCancelDelayMs: number;
  /** Card update / status / recharge / withdraw orders: PROCESSING → SUCCESS wait. */
  orderDelayMs: number;
  initialBalances: Record<string, number>;
  /** null = no rate limit. */
  rateLimitPerMinute: number | null;
  /** null = no separate limit on POST /v1/connect/token (upstream: 60/min). */
  tokenRateLimitPerMinute: number | null;
  /** GET …/secure answers 403 when false (no PCI permission). */
  securePermission: boolean;
  /** Simulated authorizations take MCC 5734 only, as UQPay's public sandbox does. Default false: any MCC. */
  sandboxMccOnly: boolean;
}

export interface SimContext {
  settings: SimSettings;
  /** The current account's state (see accounts.ts): the master, or the sub-account acted for. */
  readonly state: SimState;
  accounts: Accounts;
  /** ids, card numbers, CVVs. */
  rng: Rng;
  clock: () => number;
  scheduler: Scheduler;
  webhooks: Webhooks;
  auth: Auth;
  idem: Idempotency;
  faults: Faults;
  changed(): void;
}
