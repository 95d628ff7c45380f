/**
 * Fault rules. A rule matches a route ("POST /api/v1/issuing/cards", the Fastify pattern such
 * as "GET /api/v1/issuing/cards/:id", a path with a trailing "*", "POST *" or "*"), fires with
 * probability `rate` (seeded dice) at most `count` times, and has a kind:
 *
 * - latency: wait latencyMs, then continue normally (combines with one other rule).
 * - 500 / 503 / 429: error answer (429 with Retry-After). Before the handler unless afterCommit.
 * - timeout: never answer (the socket is held open until the simulator closes).
 * - reset: destroy the socket without an answer.
 * - malformed: HTTP 200 with a truncated, unparseable JSON body.
 * - fail_after_success: the call answers success; the order later FAILS. Card create: card
 *   FAILED, `card.create.failed`, SINGLE limit refunded. Card update, status, recharge, withdraw,
 *   elevate_limit: the effect is undone (fields/status kept, money back) and the matching
 *   `.failed` webhook is sent.
 *
 * afterCommit (default true for timeout/reset/malformed, false for 500/503/429): the request is
 * executed — the card really is created and its answer stored under the idempotency key — and
 * only then the answer is lost or replaced. That is exactly the "upstream did it, the response
 * got lost" case Cardrail's recovery must handle; a retry with the same key replays the success.
 */
import { z } from "zod";
import type { Rng } from "./rng.ts";

export const FAULT_KINDS = [
  "timeout",
  "500",
  "503",
  "reset",
  "malformed",
  "429",
  "latency",
  "fail_after_success",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultRuleInput = z.object({
  route: z.string().min(1).default("*"),
  kind: z.enum(FAULT_KINDS),
  rate: z.number().min(0).max(1).default(1),
  count: z.number().int().positive().optional(),
  latencyMs: z.number().int().min(0).max(120_000).default(1000),
  afterCommit: z.boolean().optional(),
  retryAfterSeconds: z.number().int().positive().default(1),
});
export type FaultRuleInput = z.input<typeof faultRuleInput>;

export interface FaultRule {
  id: string;
  route: string;
  kind: FaultKind;
  rate: number;
  /** Remaining firings; undefined = unlimited. */
  remaining: number | undefined;
  latencyMs: number;
  afterCommit: boolean;
  retryAfterSeconds: number;
  fired: number;
}

const AFTER_COMMIT_DEFAULT: Record<FaultKind, boolean> = {
  timeout: true,
  reset: true,
  malformed: true,
  "500": false,
  "503": false,
  "429": false,
  latency: false,
  fail_after_success: true,
};

export function routeMatches(pattern: string, method: string, routeUrl: string, path: string) {
  if (pattern === "*") return true;
  const space = pattern.indexOf(" ");
  const pMethod = space > 0 ? pattern.slice(0, space).toUpperCase() : "*";
  const pPath = space > 0 ? pattern.slice(space + 1).trim() : pattern;
  if (pMethod !== "*" && pMethod !== method.toUpperCase()) return false;
  if (pPath === "*") return true;
  if (pPath.endsWith("*")) return path.startsWith(pPath.slice(0, -1));
  return pPath === routeUrl || pPath === path;
}

export class Faults {
  rules: FaultRule[] = [];
  private seq = 0;

  constructor(private readonly rng: Rng) {}

  add(input: FaultRuleInput): FaultRule {
    const r = faultRuleInput.parse(input);
    const rule: FaultRule = {
      id: `fault_${++this.seq}`,
      route: r.route,
      kind: r.kind,
      rate: r.rate,
      remaining: r.count,
      latencyMs: r.latencyMs,
      afterCommit: r.afterCommit ?? AFTER_COMMIT_DEFAULT[r.kind],
      retryAfterSeconds: r.retryAfterSeconds,
      fired: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  /** Roll the dice for a request: returns the latency to add and the (first) fault that fires. */
  decide(
    method: string,
    routeUrl: string,
    path: string,
  ): { latencyMs: number; fault: FaultRule | undefined } {
    let latencyMs = 0;
    let fault: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.remaining === 0) continue;
      if (!routeMatches(rule.route, method, routeUrl, path)) continue;
      if (rule.kind !== "latency" && fault) continue;
      if (rule.rate < 1 && this.rng.next() >= rule.rate) continue;
      if (rule.remaining !== undefined) rule.remaining--;
      rule.fired++;
      if (rule.kind === "latency") latencyMs += rule.latencyMs;
      else fault = rule;
    }
    return { latencyMs, fault };
  }
}

export const MALFORMED_BODY = '{"card_id":"0e1f4a50-dead-beef-8a00-0000<html><body>502 Bad Gate';
