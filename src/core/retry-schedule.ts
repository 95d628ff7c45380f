/**
 * Webhook retry schedules as an operator writes them (WEBHOOK_RETRY_SCHEDULE). In core because
 * config.ts parses the setting and the webhooks module uses the default: config stays below the
 * modules.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** ≈ 3 days in total: 1m, 5m, 30m, 2h, 5h, 10h, 10h, 10h, 14h, 10h, 10h (12 attempts). */
export const DEFAULT_RETRY_SCHEDULE = "1m,5m,30m,2h,5h,10h,10h,10h,14h,10h,10h";

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
