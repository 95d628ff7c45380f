import { type Config, loadConfig } from "../config.ts";
import type { FolderLock } from "../db/folder-lock.ts";
import { openDatabase } from "../db/open.ts";
import type { Db } from "../db/pool.ts";
import { type KeyHasher, keyHasher } from "../modules/tenants/api-keys.ts";
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
 * The CLI's own process: opens the database for one command and always closes it. With the
 * embedded database, `lock` is the data folder's lock this process already took (launch.ts).
 */
export function localHost(env: NodeJS.ProcessEnv, lock?: FolderLock): CliHost {
  const config = () => loadConfig(env);
  return {
    config,
    reachedBy: "this command",
    async withDatabase(body) {
      const settings = config();
      const database = await openDatabase(settings, { lock });
      try {
        return await body({
          config: settings,
          db: database.db,
          hashKey: keyHasher(settings.CARDRAIL_KEY_PEPPER),
        });
      } finally {
        await database.close();
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
