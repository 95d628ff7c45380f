/** Per-request simulator data, keyed by the raw request (avoids augmenting Fastify's types). */
import type { IncomingMessage } from "node:http";
import type { FaultRule } from "./faults.ts";

export interface ReqSim {
  fault?: FaultRule;
  idemScope?: string;
  replayed?: boolean;
  onSendDone?: boolean;
}

const store = new WeakMap<IncomingMessage, ReqSim>();

export function reqSim(raw: IncomingMessage): ReqSim {
  let s = store.get(raw);
  if (!s) {
    s = {};
    store.set(raw, s);
  }
  return s;
}
