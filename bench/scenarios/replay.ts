import { type LoadResult, load, median, type ServerProcess } from "../lib.ts";
import type { BenchTenant } from "../pgbench-scripts.ts";
import { latencyRows, row } from "../report.ts";
import { AMOUNT_MINOR, log, REPS, SECONDS } from "../settings.ts";
import { checkStatuses, headersOf, issuance, json } from "../traffic.ts";

/** 5: replaying completed Idempotency-Keys beside issuing new cards. */
export async function idempotentReplay(cardrail: ServerProcess, t: BenchTenant) {
  log("5. Idempotent replay of completed keys vs new cards (hot tenant, 16 clients)");
  const body = JSON.stringify({
    holderId: t.holderId,
    cardType: "virtual",
    card_product_id: "111031",
    currency: "USD",
    loadAmount: AMOUNT_MINOR / 100,
  });
  const keys: string[] = [];
  for (let k = 0; k < 200; k++) {
    const key = `replay-${k}`;
    const r = await json(`${cardrail.url}/api/v1/cards`, {
      method: "POST",
      headers: { ...headersOf(t), "content-type": "application/json", "idempotency-key": key },
      body,
    });
    if (r.status !== 201) throw new Error(`replay setup: ${r.status} ${JSON.stringify(r.body)}`);
    keys.push(key);
  }
  const replays: LoadResult[] = [];
  const fresh: LoadResult[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let i = 0;
    const a = await load({
      url: cardrail.url,
      connections: 16,
      duration: SECONDS,
      requests: [
        {
          method: "POST",
          path: "/api/v1/cards",
          setupRequest: (req) => ({
            ...req,
            headers: {
              ...headersOf(t),
              "content-type": "application/json",
              "idempotency-key": keys[i++ % keys.length] as string,
            },
            body,
          }),
        },
      ],
    });
    checkStatuses("replay", a);
    const b = await issuance(cardrail.url, [t], 16);
    checkStatuses("new card (replay baseline)", b);
    replays.push(a);
    fresh.push(b);
    log(`   rep ${rep + 1}: replay ${a.rps.toFixed(0)} req/s, new ${b.rps.toFixed(0)} cards/s`);
  }
  const s = "5 Idempotent replay (16 clients)";
  const ra = median(replays.map((r) => r.rps));
  const rb = median(fresh.map((r) => r.rps));
  row({
    scenario: s,
    figure: "req/s",
    value: ra,
    baseline: rb,
    baselineLabel: "new card",
    target: "≥ 5×",
    met: ra / rb >= 5,
    unit: "req/s",
    runs: replays.map((r) => r.rps),
    baselineRuns: fresh.map((r) => r.rps),
  });
  latencyRows(s, replays, fresh, "new card");
}
