import { Writable } from "node:stream";
import Fastify, { type FastifyBaseLogger } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { notFound } from "../core/errors.ts";
import { createLogger } from "../logger.ts";
import { apiErrors, succeeded, timestamp } from "./api-docs.ts";
import { registerErrorHandling } from "./error-handler.ts";
import { responseSerializer } from "./response-schemas.ts";

/**
 * Response schemas are checked on the way out: without STRICT_RESPONSE_SCHEMAS a mismatching answer
 * is sent unchanged and logged (paths and codes, never values); with it, the answer is a 500 and
 * the paths are logged, so a test that meets an answer off its contract fails.
 */

// A value that must never reach a log: the mismatch report names paths, not values.
const CARD_NUMBER = "4096360812345678";

const cardSchema = z.object({
  success: succeeded(),
  cardId: z.string(),
  createdAt: timestamp(),
});

async function appWith(strict: boolean, answer: () => unknown) {
  const lines: string[] = [];
  const logger = createLogger(
    "warn",
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
  }).withTypeProvider<ZodTypeProvider>();
  app.setSerializerCompiler(responseSerializer(logger as FastifyBaseLogger, { strict }));
  registerErrorHandling(app);
  app.get(
    "/cards/:cardId",
    { schema: { response: { 200: cardSchema, ...apiErrors("not_found") } } },
    // biome-ignore lint/suspicious/noExplicitAny: the point is an answer that breaks its schema
    async () => answer() as any,
  );
  await app.ready();
  apps.push(app);
  return { app, log: () => lines.join("") };
}

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const wrong = { success: true, cardId: 42, createdAt: "2026-11-22T10:15:30.000Z" };
const leaking = { ...wrong, cardId: "card_1", card_number: CARD_NUMBER };

describe("response schemas", () => {
  it("without the strict setting: a mismatching answer is sent unchanged, the mismatch logged", async () => {
    const { app, log } = await appWith(false, () => wrong);
    const response = await app.inject({ method: "GET", url: "/cards/card_1" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(wrong);
    expect(log()).toContain("response does not match its documented schema");
    expect(JSON.parse(log()).issues).toEqual([{ path: "cardId", code: "invalid_type" }]);
  });

  it("without the strict setting: an undocumented field is sent and logged by its path only", async () => {
    const { app, log } = await appWith(false, () => leaking);
    const response = await app.inject({ method: "GET", url: "/cards/card_1" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(leaking);
    expect(JSON.parse(log()).issues).toEqual([{ path: "card_number", code: "unrecognized_keys" }]);
    expect(log()).not.toContain(CARD_NUMBER);
  });

  it("with the strict setting: a mismatching answer is a 500 and the paths are logged", async () => {
    const { app, log } = await appWith(true, () => wrong);
    const response = await app.inject({ method: "GET", url: "/cards/card_1" });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      success: false,
      error: { code: "internal_error", message: expect.any(String) },
      requestId: expect.any(String),
    });
    expect(response.body).not.toContain("cardId");
    expect(log()).toContain(
      "GET /cards/:cardId 200 does not match its schema: cardId (invalid_type)",
    );
  });

  it("with the strict setting: an undocumented field is a 500, its value neither sent nor logged", async () => {
    const { app, log } = await appWith(true, () => leaking);
    const response = await app.inject({ method: "GET", url: "/cards/card_1" });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain(CARD_NUMBER);
    expect(log()).toContain("card_number (unrecognized_keys)");
    expect(log()).not.toContain(CARD_NUMBER);
  });

  it("with the strict setting: a matching answer is sent as the handler gave it (a Date as ISO 8601)", async () => {
    const right = { success: true, cardId: "card_1", createdAt: new Date("2026-11-22T10:15:30Z") };
    const { app, log } = await appWith(true, () => right);
    const response = await app.inject({ method: "GET", url: "/cards/card_1" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(
      '{"success":true,"cardId":"card_1","createdAt":"2026-11-22T10:15:30.000Z"}',
    );
    expect(log()).toBe("");
  });

  it("with the strict setting: a documented error envelope passes its own check", async () => {
    const { app, log } = await appWith(true, () => {
      throw notFound("Card");
    });
    const response = await app.inject({ method: "GET", url: "/cards/card_1" });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe("not_found");
    expect(log()).toBe("");
  });
});
