import type { FastifyRequest } from "fastify";
import { CardrailError } from "../core/errors.ts";
import type { Db } from "../db/pool.ts";
import { FailureLimiter } from "../modules/security/failure-limiter.ts";
import {
  type Authenticated,
  authenticate,
  type KeyHasher,
  touchApiKey,
} from "../modules/tenants/api-keys.ts";
import { type RateLimitSettings, securitySettings } from "./rate-limits.ts";
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

/**
 * X-Api-Key + X-Access-Key on every /api/v1 request, checked in onRequest: before any body is read,
 * so an unauthenticated upload costs us nothing. Every failure gets the same answer.
 *
 * Failed attempts are counted per key id and per client address; past the limit the request is
 * refused with 429 and Retry-After before any database read or hash work. Successful requests are
 * never counted. The key-id counter applies to ids that do not exist as well, so a 429 does not
 * tell whether an id is real.
 */
export function registerAuth(
  app: App,
  deps: { db: Db; hashKey: KeyHasher; settings?: RateLimitSettings },
) {
  const limits = securitySettings(deps.settings ?? { perKeyPerMinute: 0, revealsPerMinute: 0 });
  const perKey = new FailureLimiter({
    max: limits.authFailuresPerKey,
    windowMs: limits.authFailureWindowMs,
  });
  const perAddress = new FailureLimiter({
    max: limits.authFailuresPerAddress,
    windowMs: limits.authFailureWindowMs,
  });

  app.decorateRequest("auth", null as unknown as Authenticated);
  app.addHook("onRequest", async (request: FastifyRequest) => {
    if (request.routeOptions.config?.auth === false) return;
    const apiKey = request.headers["x-api-key"];
    const accessKey = request.headers["x-access-key"];
    const keyId = keySubject(apiKey);
    const address = `ip:${request.ip}`;
    const wait = Math.max(keyId ? perKey.blockedFor(keyId) : 0, perAddress.blockedFor(address));
    if (wait > 0) throw tooMany(wait);

    const fail = () => {
      if (keyId) perKey.recordFailure(keyId);
      perAddress.recordFailure(address);
      return invalid();
    };
    if (
      typeof apiKey !== "string" ||
      typeof accessKey !== "string" ||
      apiKey === "" ||
      accessKey === ""
    )
      throw fail();
    const auth = await authenticate(deps.db, deps.hashKey, apiKey, accessKey);
    if (!auth) throw fail();
    request.auth = auth;
    touchApiKey(deps.db, auth.keyId).catch((err) =>
      request.log.warn({ err }, "could not record key use"),
    );
  });
}
