import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "../../core/retry-schedule.ts";

/** Webhook settings, taken from Config by runtime.ts so this module never reads the environment. */
export interface WebhookSettings {
  /** Accept endpoint URLs that resolve to loopback/private/link-local addresses. */
  allowPrivateUrls: boolean;
  /** With private URLs refused, still accept loopback ones (local development on the embedded database). */
  allowLoopbackUrls?: boolean;
  /** A delivery not answered with a 2xx within this many ms counts as failed. */
  timeoutMs: number;
  /** Delay before each retry after a failure, in ms; when exhausted the delivery is marked failed. */
  retrySchedule: number[];
  /** How often each process looks for due deliveries. */
  pollIntervalMs: number;
  /** Deliveries one process has in flight at once. */
  concurrency: number;
}

export const defaultWebhookSettings: WebhookSettings = {
  allowPrivateUrls: false,
  timeoutMs: 10_000,
  retrySchedule: parseRetrySchedule(DEFAULT_RETRY_SCHEDULE),
  pollIntervalMs: 1000,
  concurrency: 10,
};

// The routes need allowPrivateUrls, and AppDeps lives in a shared file this module does not own:
// it adds an optional field by module augmentation instead (absent = the defaults above).
declare module "../../http/deps.ts" {
  interface AppDeps {
    webhooks?: WebhookSettings;
  }
}
