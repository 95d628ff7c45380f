/**
 * `npx tsx bench/profile.ts`: where the server's CPU goes. Starts bench/server.ts with
 * `node --cpu-prof`, drives 6 s of authenticated status reads and 6 s of `POST /cards` on one
 * tenant, stops it (the profile is written on exit) and prints self time by package / source file
 * and the top functions. Not part of `npm run bench`; the .cpuprofile stays in bench/results/profile/.
 */
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createDb } from "../src/db/pool.ts";
import { keyHasher } from "../src/modules/tenants/api-keys.ts";
import { createTenant } from "../src/modules/tenants/tenants.ts";
import { fundWallet } from "../src/modules/wallet/funding.ts";
import { benchDir, createBenchDatabase, load, pinSelf, sleep, startServer } from "./lib.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function bucket(url: string): string {
  if (!url) return "(native/idle/gc)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/");
    return `npm:${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith("node:")) return url;
  const src = url.indexOf("/src/");
  if (src >= 0) return url.slice(src + 1);
  return url;
}

async function main() {
  pinSelf();
  const seconds = Number(process.env.BENCH_SECONDS ?? 6);
  const dir = join(benchDir, "results", "profile");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const database = await createBenchDatabase();
  const { db } = createDb(database.url, 2);
  try {
    const server = await startServer(
      "cardrail",
      { DATABASE_URL: database.url, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn" },
      ["--cpu-prof", `--cpu-prof-dir=${dir}`],
    );
    const t = await createTenant(db, keyHasher(process.env.CARDRAIL_KEY_PEPPER), "Profile", "test");
    await fundWallet(db, {
      tenantId: t.tenantId,
      mode: "test",
      currency: "USD",
      amountMinor: 10n ** 10n,
    });
    const headers = { "x-api-key": t.apiKey, "x-access-key": t.accessKey };
    const form = new FormData();
    const fields = {
      email: "p@example.com",
      firstName: "A",
      lastName: "B",
      country: "IN",
      mobile: "9876543210",
      kycDocType: "passport",
      kycIdNumber: "P1234567",
    };
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append(
      "docFront",
      new Blob([
        Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3]),
      ]),
      "d.jpg",
    );
    const created = (await (
      await fetch(`${server.url}/api/v1/cardholders`, { method: "POST", headers, body: form })
    ).json()) as { holderId: string };
    const holderId = created.holderId;
    for (let i = 0; i < 200; i++) {
      const s = (await (
        await fetch(`${server.url}/api/v1/cardholders/${holderId}/status`, { headers })
      ).json()) as { status: string };
      if (s.status === "ACTIVE") break;
      await sleep(20);
    }
    const status = await load({
      url: `${server.url}/api/v1/cardholders/${holderId}/status`,
      connections: 16,
      duration: seconds,
      headers,
    });
    console.log(`status: ${status.rps.toFixed(0)} req/s (with the profiler on)`);
    let n = 0;
    const body = JSON.stringify({
      holderId,
      cardType: "virtual",
      card_product_id: "111031",
      currency: "USD",
      loadAmount: 1,
    });
    const cards = await load({
      url: server.url,
      connections: 16,
      duration: seconds,
      requests: [
        {
          method: "POST",
          path: "/api/v1/cards",
          setupRequest: (req) => ({
            ...req,
            headers: {
              ...headers,
              "content-type": "application/json",
              "idempotency-key": `prof-${n++}`,
            },
            body,
          }),
        },
      ],
    });
    console.log(`cards: ${cards.rps.toFixed(0)} cards/s (with the profiler on)`);
    await server.stop();
  } finally {
    await db.destroy();
    await database.drop();
  }
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no profile written");
  const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const total = profile.samples.length;
  const byBucket = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const b =
      functionName === "(idle)" ||
      functionName === "(program)" ||
      functionName === "(garbage collector)"
        ? functionName
        : bucket(url);
    byBucket.set(b, (byBucket.get(b) ?? 0) + hits);
    const f = `${functionName || "(anonymous)"} ${bucket(url)}:${lineNumber + 1}`;
    byFn.set(f, (byFn.get(f) ?? 0) + hits);
  }
  const pct = (h: number) => `${((100 * h) / total).toFixed(1).padStart(5)} %`;
  console.log(`\nself time by package/file (${total} samples, both phases):`);
  for (const [k, v] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`  ${pct(v)}  ${k}`);
  console.log("\ntop functions (self):");
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${pct(v)}  ${k}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
