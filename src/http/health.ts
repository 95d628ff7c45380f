import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { sql } from "kysely";
import { z } from "zod";
import { CardrailError } from "../core/errors.ts";
import type { Db } from "../db/pool.ts";
import { errorResponses, example } from "./api-docs.ts";

/** How long /readyz waits for the database before calling it unavailable. */
const READY_TIMEOUT_MS = 2000;

/**
 * GET /healthz: the process is up and serving (no I/O; for liveness probes and HEALTHCHECK).
 * GET /readyz: the database answers `SELECT 1` (readiness: take the instance out of rotation if not).
 */
export const healthRoutes =
  (deps: { db: Db }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/healthz",
      {
        schema: {
          tags: ["operations"],
          summary: "Liveness: the process is up (checks nothing else)",
          response: {
            200: example(z.object({ ok: z.literal(true) }), "The process is up", { ok: true }),
            ...errorResponses("internal_error"),
          },
        },
      },
      async () => ({ ok: true as const }),
    );

    app.get(
      "/readyz",
      {
        schema: {
          tags: ["operations"],
          summary: "Readiness: the database answers",
          response: {
            200: example(
              z.object({ ok: z.literal(true), database: z.literal("ok") }),
              "Ready to serve",
              { ok: true, database: "ok" },
            ),
            ...errorResponses("upstream_unavailable", "internal_error"),
          },
        },
      },
      async (request) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            sql`SELECT 1`.execute(deps.db),
            new Promise((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`no answer in ${READY_TIMEOUT_MS} ms`)),
                READY_TIMEOUT_MS,
              );
            }),
          ]);
        } catch (error) {
          request.log.warn({ err: error }, "readiness check: database unavailable");
          throw new CardrailError("upstream_unavailable", "The database is not reachable");
        } finally {
          clearTimeout(timer);
        }
        return { ok: true as const, database: "ok" as const };
      },
    );
  };
