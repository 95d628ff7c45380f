import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, rename, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { isAbsolute } from "node:path";
import type { Logger } from "pino";
import { PRIVATE_FILE_MODE } from "../../db/private-folder.ts";
import type { CliIo } from "../io.ts";
import {
  type ChannelRequest,
  channelFiles,
  MAX_REQUEST_BYTES,
  MAX_SOCKET_PATH_BYTES,
  readLines,
  send,
} from "./protocol.ts";

/**
 * The service side of the operator channel (protocol.ts): authenticates each request by its
 * token, then runs THE SAME CLI program in-process against the service's own database with the
 * CLI's argv and cwd, streaming stdout/stderr back and finishing with the exit code. Only the
 * owner of the data folder serves it, so removing a stale socket file at start is safe.
 */

export interface OperatorChannel {
  /** Stops accepting, waits for the commands still running, removes the socket and token. */
  close(): Promise<void>;
}

export type RunCommand = (args: string[], io: CliIo) => Promise<number>;

/** A connection that has not sent its request by then is dropped. */
const REQUEST_TIMEOUT_MS = 10_000;

const digest = (value: string) => createHash("sha256").update(value).digest();

function parseRequest(line: string): ChannelRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const request = value as Partial<ChannelRequest> | null;
  const valid =
    typeof request === "object" &&
    request !== null &&
    typeof request.token === "string" &&
    Array.isArray(request.args) &&
    request.args.every((arg) => typeof arg === "string") &&
    typeof request.cwd === "string" &&
    isAbsolute(request.cwd) &&
    typeof request.stderrIsTTY === "boolean";
  return valid ? (request as ChannelRequest) : null;
}

export async function serveOperatorChannel(options: {
  dataDir: string;
  run: RunCommand;
  log: Logger;
}): Promise<OperatorChannel | null> {
  const files = channelFiles(options.dataDir);
  if (Buffer.byteLength(files.socket) > MAX_SOCKET_PATH_BYTES) {
    options.log.warn(
      { socket: files.socket },
      "the data folder's path is too long for the operator socket; CLI commands cannot run while the service does (use a shorter CARDRAIL_DATA_DIR)",
    );
    return null;
  }
  // A fresh token per start, published whole (rename) and readable only by the service's user.
  const token = randomBytes(32).toString("base64url");
  const expected = digest(token);
  const temp = `${files.token}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temp, token, { mode: PRIVATE_FILE_MODE });
  await rename(temp, files.token);

  const running = new Set<Promise<void>>();
  const waiting = new Set<net.Socket>();
  const execute = async (socket: net.Socket, request: ChannelRequest) => {
    const io: CliIo = {
      stdout: (text) => send(socket, { out: text }),
      stderr: (text) => send(socket, { err: text }),
      cwd: request.cwd,
      stderrIsTTY: request.stderrIsTTY,
      exitCode: 0,
    };
    let code = 1;
    try {
      code = await options.run(request.args, io);
    } catch (error) {
      options.log.error({ err: error }, "operator command failed unexpectedly");
      io.stderr("error: unexpected failure in the service (see its log)\n");
    }
    send(socket, { exit: code });
    socket.end();
  };

  const server = net.createServer((socket) => {
    socket.on("error", () => {}); // a CLI that goes away must not crash the service
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    waiting.add(socket);
    socket.once("close", () => waiting.delete(socket));
    let answered = false;
    const refuse = (reason: string) => {
      answered = true;
      send(socket, { refused: reason });
      socket.end();
    };
    readLines(
      socket,
      MAX_REQUEST_BYTES,
      (line) => {
        if (answered) return; // one request per connection
        const request = parseRequest(line);
        if (!request) return refuse("malformed request");
        // Constant time whatever the length: compare digests, never the strings.
        if (!timingSafeEqual(digest(request.token), expected)) return refuse("invalid token");
        answered = true;
        waiting.delete(socket);
        socket.setTimeout(0);
        const task = execute(socket, request).finally(() => running.delete(task));
        running.add(task);
      },
      () => refuse("request too large"),
    );
  });

  await rm(files.socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ path: files.socket }, () => resolve());
  });
  // The umask already makes it owner-only; say so anyway, it is the point of the file.
  await chmod(files.socket, PRIVATE_FILE_MODE);

  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of waiting) socket.destroy();
      await Promise.allSettled([...running]);
      await closed;
      await rm(files.socket, { force: true });
      await rm(files.token, { force: true });
    },
  };
}
