/**
 * `npx tsx bench/serializer.ts`: what checking an answer against its response schema costs, per
 * answer, next to JSON.stringify alone. One process, no server: the serializer's own time only.
 *
 *   stringify         JSON.stringify(value): no schema at all
 *   checked (prod)    responseSerializer as production runs it: the schema check (zod's parse,
 *                     then the walk for undocumented fields), then JSON.stringify of the handler's
 *                     value (the same function strict mode runs)
 *   parse + stringify the check before undocumented fields were looked for: zod's parse, then
 *                     JSON.stringify of the handler's value
 *   zod serialize     JSON.stringify(schema.parse(value)): serialising WITH the schema, i.e.
 *                     sending zod's parsed copy (what fastify-type-provider-zod's own compiler does)
 *
 * Each row is the median of BENCH_REPS rounds of BENCH_ITERATIONS calls.
 */

import type { FastifyBaseLogger } from "fastify";
import type { z } from "zod";
import { responseSerializer } from "../src/http/response-schemas.ts";
import { createLogger } from "../src/logger.ts";
import { CARD_EXAMPLE, cardSchema } from "../src/modules/cards/schemas.ts";
import {
  ENDPOINT_EXAMPLE,
  EVENT_EXAMPLE,
  eventDetailSchema,
} from "../src/modules/webhooks/schemas.ts";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const card = { ...CARD_EXAMPLE, createdAt: new Date(CARD_EXAMPLE.createdAt).toISOString() };
const attempt = (n: number) => ({
  attempt: n,
  statusCode: 500,
  error: "HTTP 500",
  startedAt: new Date(),
  finishedAt: new Date(),
});
// An event with 4 deliveries of 3 attempts each: a larger, nested answer with Dates inside.
const event = {
  success: true,
  ...EVENT_EXAMPLE,
  deliveries: Array.from({ length: 4 }, () => ({
    endpointId: ENDPOINT_EXAMPLE.id,
    url: ENDPOINT_EXAMPLE.url,
    endpointDeleted: false,
    status: "failed",
    attemptCount: 3,
    nextAttemptAt: null,
    lastAttemptAt: new Date(),
    lastStatusCode: 500,
    lastError: "HTTP 500",
    createdAt: new Date(),
    attempts: [attempt(1), attempt(2), attempt(3)],
  })),
};

function perCallMicros(fn: () => unknown): number {
  const rounds: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) fn();
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / ITERATIONS);
  }
  return rounds.sort((a, b) => a - b)[Math.floor(rounds.length / 2)] as number;
}

const log = createLogger("silent") as FastifyBaseLogger;
const compile = (schema: z.ZodType) =>
  responseSerializer(log, { strict: false })({
    schema,
    method: "GET",
    url: "/bench",
    httpStatus: "200",
  });

const rows: string[] = [];
for (const [name, schema, value] of [
  ["GET /cards/:cardId (flat, 11 fields)", cardSchema, card],
  ["GET /events/:id (4 deliveries × 3 attempts)", eventDetailSchema, event],
] as const) {
  const checked = compile(schema);
  const plain = perCallMicros(() => JSON.stringify(value));
  const prod = perCallMicros(() => checked(value));
  const parseOnly = perCallMicros(() => schema.safeParse(value) && JSON.stringify(value));
  const zod = perCallMicros(() => JSON.stringify(schema.parse(value)));
  const row = (label: string, micros: number) =>
    `| ${name} | ${label} | ${micros.toFixed(2)} µs | ${(micros / plain).toFixed(1)}× |`;
  rows.push(
    row("stringify", plain),
    row("checked (prod)", prod),
    row("parse + stringify", parseOnly),
    row("zod serialize", zod),
  );
}
process.stdout.write(
  `${ITERATIONS} calls × ${REPS} rounds, median per call (node ${process.version})\n\n| answer | serializer | per call | vs stringify |\n|---|---|---|---|\n${rows.join("\n")}\n`,
);
