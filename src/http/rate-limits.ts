import rateLimit from "@fastify/rate-limit";
import { CardrailError } from "../core/errors.ts";
import type { App } from "./types.ts";

export interface RateLimitSettings {
  /** Requests per minute per API key, all endpoints together. */
  perKeyPerMinute: number;
  /** Reveals per minute per API key: each one fetches a card number, so far stricter. */
  revealsPerMinute: number;
}

/**
 * Per-key rate limits inside /api/v1, counted after authentication (preValidation), so they key on
 * the verified key id, not on whatever a caller puts in a header. The counters live in the process;
 * behind N instances the effective limit is N times this (a shared store is a later step).
 */
export async function registerRateLimits(api: App, settings: RateLimitSettings) {
  await api.register(rateLimit, {
    hook: "preValidation",
    max: settings.perKeyPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.auth?.keyId ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new CardrailError(
        "rate_limited",
        `Too many requests: at most ${context.max} per minute for this key`,
        undefined,
        Math.max(1, Math.ceil(context.ttl / 1000)),
      ),
  });
}

/** Route option for /reveal: a separate, stricter bucket per key. */
export const revealRateLimit = (settings: RateLimitSettings) => ({
  rateLimit: { max: settings.revealsPerMinute, timeWindow: 60_000, groupId: "reveal" },
});
