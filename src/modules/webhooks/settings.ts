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

// Before defaultWebhookSettings, which parses the default schedule at load time.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** ≈ 3 days in total: 1m, 5m, 30m, 2h, 5h, 10h, 10h, 10h, 14h, 10h, 10h (12 attempts). */
export const DEFAULT_RETRY_SCHEDULE = "1m,5m,30m,2h,5h,10h,10h,10h,14h,10h,10h";

export const defaultWebhookSettings: WebhookSettings = {
  allowPrivateUrls: false,
  timeoutMs: 10_000,
  retrySchedule: parseRetrySchedule(DEFAULT_RETRY_SCHEDULE),
  pollIntervalMs: 1000,
  concurrency: 10,
};

/**
 * "1m,5m,30m,2h" → [60000, 300000, 1800000, 7200000]. Units ms, s, m, h, d; a bare number is ms.
 * An empty string means "no retries". Throws with a readable message on anything else.
 */
export function parseRetrySchedule(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  return trimmed.split(",").map((item) => {
    const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(item.trim());
    if (!match?.[1]) throw new Error(`"${item.trim()}" is not a duration like 500ms, 30s, 5m, 2h`);
    return Number(match[1]) * UNIT_MS[(match[2] ?? "ms") as keyof typeof UNIT_MS];
  });
}

// The routes need allowPrivateUrls, and AppDeps lives in a shared file this module does not own:
// it adds an optional field by module augmentation instead (absent = the defaults above).
declare module "../../http/deps.ts" {
  interface AppDeps {
    webhooks?: WebhookSettings;
  }
}
