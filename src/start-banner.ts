import { createServer } from "node:net";
import type { CreatedTenant } from "./modules/tenants/tenants.ts";

/**
 * What `npm start` tells a person: the demo keys once (their secret is stored only as a hash),
 * then where to go next. Plain text on stderr: stdout carries only the JSON log lines.
 */

/** Resolves when host:port can be bound; otherwise the reason, in words a newcomer can act on. */
export async function portProblem(host: string, port: number): Promise<string | null> {
  if (port === 0) return null;
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === "EADDRINUSE"
          ? `port ${port} on ${host} is already in use (another Cardrail, or another program). Stop it, or choose another port: PORT=3001 npm start (a second Cardrail on the embedded database also needs its own data folder: CARDRAIL_DATA_DIR=./.cardrail/second)`
          : `cannot listen on ${host}:${port}: ${error.code ?? error.message}. Choose another HOST or PORT`,
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}

export function demoBanner(demo: CreatedTenant, address: string): string {
  return [
    "",
    "  Demo tenant created (test mode, wallet funded with USD 1,000.00). Save these; they are shown once:",
    `    tenantId      ${demo.tenantId}`,
    `    X-Api-Key     ${demo.apiKey}`,
    `    X-Access-Key  ${demo.accessKey}`,
    "",
    ...nextSteps(address, demo),
  ].join("\n");
}

/** Shown on every start: the three URLs a newcomer wants, and how to get keys again. */
export function nextSteps(address: string, demo?: CreatedTenant): string[] {
  const auth = demo
    ? `-H "X-Api-Key: ${demo.apiKey}" -H "X-Access-Key: ${demo.accessKey}"`
    : '-H "X-Api-Key: dk_test_…" -H "X-Access-Key: sk_test_…"';
  return [
    `  API reference  ${address}/docs/`,
    `  Health         ${address}/healthz`,
    `  First request  curl -s ${address}/api/v1/wallet ${auth}`,
    ...(demo
      ? []
      : [
          "  Keys: `npm run cli -- tenants list` shows the tenants; `npm run cli -- keys create --tenant <tenantId>` makes a new key pair.",
        ]),
    "",
    "",
  ];
}
