import type { Config } from "../config.ts";
import type { Db } from "../db/pool.ts";
import type { TestUpstream } from "../issuer/issuers.ts";
import { createLogger } from "../logger.ts";
import { pepperOf } from "../modules/tenants/api-keys.ts";
import { publishedSimulator } from "../test-issuer/row.ts";
import { startTestIssuer } from "../test-issuer/shared.ts";

/**
 * Test mode's issuer for a CLI command: SIMULATOR_URL, or the simulator the service published in
 * the database (never a simulator of the CLI's own: its state would be nobody's). null when no
 * service has published one.
 */
export async function cliTestUpstream(config: Config, db: Db): Promise<TestUpstream | null> {
  if (config.SIMULATOR_URL)
    return {
      kind: "external",
      url: config.SIMULATOR_URL,
      clientId: config.SIMULATOR_CLIENT_ID,
      apiKey: config.SIMULATOR_API_KEY,
      adminToken: config.SIMULATOR_ADMIN_TOKEN,
    };
  if (!(await publishedSimulator(db))) return null;
  const issuer = await startTestIssuer({
    db,
    logger: createLogger("silent"),
    lead: false,
    pepper: pepperOf(config.CARDRAIL_KEY_PEPPER),
    simulator: {},
  });
  return { kind: "shared", issuer };
}
