import { type Config, ConfigError, loadConfig } from "../config.ts";
import { forward, OWNER_WAIT_MS, reachOwner } from "./channel/client.ts";
import { localHost } from "./context.ts";
import { type CliIo, describeExpected } from "./io.ts";
import { run } from "./run.ts";

/**
 * The CLI process: with DATABASE_URL (or an invalid configuration, which the command reports)
 * it runs here. With the embedded database it runs where the data folder's owner is: here, with
 * the folder's lock held until the command ends, or in the running service (operator channel).
 */
export async function launch(
  args: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
  ownerWaitMs = OWNER_WAIT_MS,
): Promise<number> {
  let config: Config | null = null;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  if (!config || config.DATABASE_URL) return run(args, io, localHost(env));

  let owner: Awaited<ReturnType<typeof reachOwner>>;
  try {
    owner = await reachOwner(config.CARDRAIL_DATA_DIR, ownerWaitMs);
  } catch (error) {
    io.stderr(`error: ${describeExpected(error) ?? (error as Error).message}\n`);
    return 1;
  }
  if (owner.kind === "service") return forward(owner, args, io);
  try {
    return await run(args, io, localHost(env, owner.lock));
  } finally {
    await owner.lock.release();
  }
}
