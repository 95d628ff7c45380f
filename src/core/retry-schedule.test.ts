import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "./retry-schedule.ts";

describe("retry schedule", () => {
  it("parses units and totals about three days by default", () => {
    expect(parseRetrySchedule("500ms, 2s,5m,1h,1d,7")).toEqual([
      500, 2000, 300_000, 3_600_000, 86_400_000, 7,
    ]);
    expect(parseRetrySchedule("")).toEqual([]);
    const total = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE).reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(66);
    expect(total / 3_600_000).toBeLessThan(78);
    for (const bad of ["5 minutes", "1m,,2m", "-1s", "1.5h"])
      expect(() => parseRetrySchedule(bad)).toThrow();
  });
});
