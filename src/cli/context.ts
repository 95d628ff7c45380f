import { type Config, loadConfig } from "../config.ts";
import type { FolderLock } from "../db/folder-lock.ts";
import type { Db } from "../db/pool.ts";
import { type KeyHasher, keyHasher } from "../modules/tenants/api-keys.ts";
import { openDatabase } from "../open-database.ts";
import type { CliIo } from "./io.ts";

/**
 * What a command body gets: the database and the key hasher, configured from the same environment
 * (and `.env`) as the service, so keys made here authenticate there (same CARDRAIL_KEY_PEPPER).
 */
export interface CliContext {
  config: Config;
  db: Db;
  hashKey: KeyHasher;
}

/**
 * Where commands get their configuration and database: this CLI process (localHost), or the
 * service that owns the embedded data folder and runs the command for a CLI (serviceHost).
 */
export interface CliHost {
  /** The configuration; throws ConfigError when it is invalid. */
  config(): Config;
  withDatabase<T>(body: (ctx: CliContext) => Promise<T>): Promise<T>;
  /** How the database is reached, for `doctor`. */
  readonly reachedBy: "this command" | "the running service";
}

/** What every command is built with: its output and its host. */
export interface CliSession extends CliHost {
  io: CliIo;
}

export const session = (io: CliIo, host: CliHost): CliSession => ({
  io,
  config: () => host.config(),
  withDatabase: (body) => host.withDatabase(body),
  reachedBy: host.reachedBy,
});

/**
 * Thrown by a local host when the service owns the embedded data folder: the whole command must
 * run there instead (launch.ts forwards it). Commands touch the database before printing
 * anything, so nothing was output yet.
 */
export class RunInOwner<Owner = unknown> extends Error {
  override readonly name = "RunInOwner";
  constructor(readonly owner: Owner) {
    super("the command runs in the service that owns the data folder");
  }
}

/**
 * The CLI's own process: opens the database for one command and always closes it. With the
 * embedded database, `takeFolder` takes the data folder's lock (held until the command ends), or
 * throws RunInOwner when a running service owns it. Asked only when a command needs the database,
 * so `--help` and usage errors never create or lock a data folder.
 */
export function localHost(
  env: NodeJS.ProcessEnv,
  takeFolder?: (dataDir: string) => Promise<FolderLock>,
): CliHost {
  const config = () => loadConfig(env);
  return {
    config,
    reachedBy: "this command",
    async withDatabase(body) {
      const settings = config();
      const lock =
        settings.DATABASE_URL || !takeFolder
          ? undefined
          : await takeFolder(settings.CARDRAIL_DATA_DIR);
      const database = await openDatabase(settings, { lock }).catch(async (error: unknown) => {
        await lock?.release();
        throw error;
      });
      try {
        return await body({
          config: settings,
          db: database.db,
          hashKey: keyHasher(settings.CARDRAIL_KEY_PEPPER),
        });
      } finally {
        await database.close();
        await lock?.release();
      }
    },
  };
}

/** Inside the service: its configuration and its open database (never closed by a command). */
export function serviceHost(ctx: CliContext): CliHost {
  return {
    config: () => ctx.config,
    reachedBy: "the running service",
    withDatabase: (body) => body(ctx),
  };
}
