import type { FastifyRequest } from "fastify";
import { CardrailError } from "../core/errors.ts";
import type { Db } from "../db/pool.ts";
import {
  type Authenticated,
  authenticate,
  type KeyHasher,
  touchApiKey,
} from "../modules/tenants/api-keys.ts";
import type { App } from "./types.ts";

declare module "fastify" {
  interface FastifyRequest {
    auth: Authenticated;
  }
}

const invalid = () => new CardrailError("invalid_credentials", "Invalid API credentials");

/**
 * X-Api-Key + X-Access-Key on every /api/v1 request, checked in onRequest: before any body is read,
 * so an unauthenticated upload costs us nothing. Every failure gets the same answer.
 */
export function registerAuth(app: App, deps: { db: Db; hashKey: KeyHasher }) {
  app.decorateRequest("auth", null as unknown as Authenticated);
  app.addHook("onRequest", async (request: FastifyRequest) => {
    const apiKey = request.headers["x-api-key"];
    const accessKey = request.headers["x-access-key"];
    if (
      typeof apiKey !== "string" ||
      typeof accessKey !== "string" ||
      apiKey === "" ||
      accessKey === ""
    )
      throw invalid();
    const auth = await authenticate(deps.db, deps.hashKey, apiKey, accessKey);
    if (!auth) throw invalid();
    request.auth = auth;
    touchApiKey(deps.db, auth.keyId).catch((err) =>
      request.log.warn({ err }, "could not record key use"),
    );
  });
}
