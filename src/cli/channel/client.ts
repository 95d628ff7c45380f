import { readFile } from "node:fs/promises";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { acquireFolderLock, FolderBusyError, type FolderLock } from "../../db/folder-lock.ts";
import { CliError, type CliIo } from "../io.ts";
import { type ChannelReply, channelFiles, readLines, send } from "./protocol.ts";

/**
 * The CLI side. Who owns the embedded data folder decides where a command runs: nobody → this
 * CLI takes the folder's lock and opens the database itself; a running service → the command is
 * sent over its operator channel and runs there; another CLI command, or a service still
 * starting → wait for one of the two.
 */

export type Owner =
  | { kind: "this process"; lock: FolderLock }
  | { kind: "service"; socket: net.Socket; token: string };

/** How long a CLI waits for a busy folder (another command, a service starting) by default. */
export const OWNER_WAIT_MS = 30_000;

async function connectChannel(dataDir: string): Promise<Owner | null> {
  const files = channelFiles(dataDir);
  const socket = await new Promise<net.Socket | null>((resolve) => {
    const attempt = net.connect({ path: files.socket });
    attempt.once("connect", () => resolve(attempt));
    attempt.once("error", () => resolve(null)); // no socket, or a stale one left by a crash
  });
  if (!socket) return null;
  // Read after connecting: the service writes its token before it listens.
  const token = await readFile(files.token, "utf8").catch(() => null);
  if (token === null) {
    socket.destroy();
    return null;
  }
  return { kind: "service", socket, token };
}

export async function reachOwner(dataDir: string, waitMs = OWNER_WAIT_MS): Promise<Owner> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return { kind: "this process", lock: await acquireFolderLock(dataDir) };
    } catch (error) {
      if (!(error instanceof FolderBusyError)) throw error;
    }
    const service = await connectChannel(dataDir);
    if (service) return service;
    if (Date.now() >= deadline) {
      throw new CliError(
        `the data folder ${channelFiles(dataDir).socket.replace(/\/operator\.sock$/, "")} is in use by another process that does not take commands (another CLI command, or a service still starting); try again`,
      );
    }
    await sleep(100);
  }
}

/** Runs `args` in the service that owns the folder; its output and exit code become ours. */
export function forward(
  owner: Extract<Owner, { kind: "service" }>,
  args: string[],
  io: CliIo,
): Promise<number> {
  const { socket } = owner;
  return new Promise((resolve) => {
    let exit: number | null = null;
    readLines(
      socket,
      // The service is trusted (same user, token); a large --json report is one long line.
      Number.POSITIVE_INFINITY,
      (line) => {
        let reply: ChannelReply;
        try {
          reply = JSON.parse(line) as ChannelReply;
        } catch {
          return;
        }
        if ("out" in reply) io.stdout(reply.out);
        else if ("err" in reply) io.stderr(reply.err);
        else if ("exit" in reply) exit = reply.exit;
        else if ("refused" in reply) {
          io.stderr(`error: the service refused the command: ${reply.refused}\n`);
          exit = 1;
        }
      },
      () => socket.destroy(),
    );
    socket.on("error", () => {});
    socket.once("close", () => {
      if (exit === null) {
        io.stderr(
          "error: the service closed the operator channel before the command finished (was it stopped?); check the result before running it again\n",
        );
        exit = 1;
      }
      resolve(exit);
    });
    send(socket, { token: owner.token, args, cwd: io.cwd, stderrIsTTY: io.stderrIsTTY });
  });
}
