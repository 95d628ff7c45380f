import type { FastifyRequest } from "fastify";
import { CardrailError } from "../core/errors.ts";
import type { Db } from "../db/pool.ts";
import { ConcurrencyGate, FailureLimiter } from "../modules/security/failure-limiter.ts";
import {
  type Authenticated,
  authenticate,
  type KeyHasher,
  touchApiKey,
} from "../modules/tenants/api-keys.ts";
import type { RateLimitSettings } from "./rate-limits.ts";
import type { App } from "./types.ts";

declare module "fastify" {
  interface FastifyRequest {
    auth: Authenticated;
  }
  interface FastifyContextConfig {
    /**
     * `false` exempts a route from the API-key check (GET /cards/reveal?token=…, whose credential is
     * the token). Every other route in the scope requires a key; there is no other way out.
     */
    auth?: boolean;
  }
}

const invalid = () => new CardrailError("invalid_credentials", "Invalid API credentials");

const tooMany = (retryAfterSeconds: number) =>
  new CardrailError(
    "rate_limited",
    "Too many failed authentication attempts; retry later",
    undefined,
    retryAfterSeconds,
  );

/** Key ids are at most 64 characters (authenticate ignores longer ones); longer input shares a bucket. */
const keySubject = (apiKey: unknown) =>
  typeof apiKey === "string" && apiKey !== "" ? `key:${apiKey.slice(0, 65)}` : null;

/** Checks of over-limit attempts running at once per process; the rest queue (never refused). */
const OVER_LIMIT_CHECKS_AT_ONCE = 2;

/**
 * X-Api-Key + X-Access-Key on every /api/v1 request, checked in onRequest: before any body is read,
 * so an unauthenticated upload costs us nothing. Every failure gets the same answer.
 *
 * Failed attempts are limited per key id and per client address, without ever refusing the right
 * key (SECURITY.md, "Failed authentications"): each attempt is counted before its check and given
 * back if it succeeds, so a burst is limited exactly at the threshold. An attempt over a limit is
 * still checked, one database read and one HMAC like any other, but through a small per-process
 * gate, so a guessing flood cannot take more than that share of the database and CPU. The right
 * secret passes; a wrong one gets 429 with Retry-After instead of 401. The key-id counter applies to
 * ids that do not exist as well, so a 429 does not tell whether an id is real.
 */
export function registerAuth(
  app: App,
  deps: { db: Db; hashKey: KeyHasher; settings: RateLimitSettings },
) {
  const limits = deps.settings;
  const perKey = new FailureLimiter({
    max: limits.authFailuresPerKey,
    windowMs: limits.authFailureWindowMs,
  });
  const perAddress = new FailureLimiter({
    max: limits.authFailuresPerAddress,
    windowMs: limits.authFailureWindowMs,
  });
  const overLimitChecks = new ConcurrencyGate(OVER_LIMIT_CHECKS_AT_ONCE);

  app.decorateRequest("auth", null as unknown as Authenticated);
  app.addHook("onRequest", async (request: FastifyRequest) => {
    if (request.routeOptions.config?.auth === false) return;
    const apiKey = request.headers["x-api-key"];
    const accessKey = request.headers["x-access-key"];
    const keyId = keySubject(apiKey);
    // Reserved before any await: concurrent attempts see each other's counts.
    const reservations = [
      ...(keyId ? [perKey.reserve(keyId)] : []),
      perAddress.reserve(`ip:${request.ip}`),
    ];
    const over = reservations.filter((r) => r.overLimit);
    const check = async () =>
      typeof apiKey === "string" &&
      typeof accessKey === "string" &&
      apiKey !== "" &&
      accessKey !== ""
        ? authenticate(deps.db, deps.hashKey, apiKey, accessKey)
        : null;
    let auth: Authenticated | null;
    try {
      auth = over.length > 0 ? await overLimitChecks.run(check) : await check();
    } catch (error) {
      // Not a wrong secret (e.g. the database is down): the attempt is not held against anyone.
      for (const reservation of reservations) reservation.succeeded();
      throw error;
    }
    if (!auth) {
      if (over.length > 0) throw tooMany(Math.max(...over.map((r) => r.retryAfterSeconds())));
      throw invalid();
    }
    for (const reservation of reservations) reservation.succeeded();
    request.auth = auth;
    touchApiKey(deps.db, auth.keyId).catch((err) =>
      request.log.warn({ err }, "could not record key use"),
    );
  });
}
