import { forward, OWNER_WAIT_MS, type Owner, reachOwner } from "./channel/client.ts";
import { localHost, RunInOwner } from "./context.ts";
import type { CliIo } from "./io.ts";
import { run } from "./run.ts";

/**
 * The CLI process. With DATABASE_URL the command runs here. With the embedded database it runs
 * where the data folder's owner is: here, holding the folder's lock until the command ends, or,
 * when a service owns the folder, in that service (its operator channel), whose output and exit
 * code become this process's.
 */
export async function launch(
  args: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
  ownerWaitMs = OWNER_WAIT_MS,
): Promise<number> {
  const host = localHost(env, async (dataDir) => {
    const owner = await reachOwner(dataDir, ownerWaitMs);
    if (owner.kind === "service") throw new RunInOwner(owner);
    return owner.lock;
  });
  try {
    return await run(args, io, host);
  } catch (error) {
    if (!(error instanceof RunInOwner)) throw error;
    return forward(error.owner as Extract<Owner, { kind: "service" }>, args, io);
  }
}
