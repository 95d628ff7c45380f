import rateLimit from "@fastify/rate-limit";
import { CardrailError } from "../core/errors.ts";
import type { App } from "./types.ts";

export interface RateLimitSettings {
  /** Requests per minute per API key, all endpoints together. */
  perKeyPerMinute: number;
  /** Reveals per minute per API key: each one fetches a card number, so far stricter. */
  revealsPerMinute: number;
  /**
   * Failed authentications allowed per API key id, and per client address, in `authFailureWindowMs`
   * before further attempts get 429 without being checked (config: AUTH_FAILURES_PER_KEY, …).
   */
  authFailuresPerKey: number;
  authFailuresPerAddress: number;
  authFailureWindowMs: number;
  /** Reveal-token redemptions per minute per client address (GET /cards/reveal?token=…). */
  revealTokenRedeemsPerMinute: number;
  /** How long a reveal token stays redeemable. */
  revealTokenTtlMs: number;
  /** Origins whose pages may redeem a reveal token from the browser (CORS); none when empty. */
  revealAllowedOrigins: readonly string[];
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

/** Route option for reveal-token redemption: no key, so a bucket per client address. */
export const revealTokenRedeemRateLimit = (settings: RateLimitSettings) => ({
  rateLimit: {
    max: settings.revealTokenRedeemsPerMinute,
    timeWindow: 60_000,
    groupId: "reveal-token-redeem",
    keyGenerator: (request: { ip: string }) => request.ip,
  },
});

/** Route option for /reveal: a separate, stricter bucket per key. */
export const revealRateLimit = (settings: RateLimitSettings) => ({
  rateLimit: { max: settings.revealsPerMinute, timeWindow: 60_000, groupId: "reveal" },
});
