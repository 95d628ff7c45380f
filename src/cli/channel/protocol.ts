import type net from "node:net";
import { join, resolve } from "node:path";

/**
 * The operator channel: how a CLI asks the service that owns the embedded data folder to run a
 * command. A Unix socket FILE in the data folder (0700, so only the service's user can reach it)
 * plus a token in a 0600 file next to it, sent with every request. Newline-delimited JSON:
 *   CLI → service   { token, args, cwd, stderrIsTTY }        (one line)
 *   service → CLI   { out } | { err } … then { exit }         (or { refused } and the end)
 */

export interface ChannelRequest {
  token: string;
  args: string[];
  cwd: string;
  stderrIsTTY: boolean;
}

export type ChannelReply =
  | { out: string }
  | { err: string }
  | { exit: number }
  | { refused: string };

export const channelFiles = (dataDir: string) => {
  const root = resolve(dataDir);
  return { socket: join(root, "operator.sock"), token: join(root, "operator.token") };
};

/** sun_path is 108 bytes on Linux and 104 on macOS, NUL included. */
export const MAX_SOCKET_PATH_BYTES = 103;

/** A request line larger than this is refused (argv plus cwd is far smaller). */
export const MAX_REQUEST_BYTES = 1 << 20;

export const send = (socket: net.Socket, reply: ChannelReply | ChannelRequest): void => {
  if (socket.writable) socket.write(`${JSON.stringify(reply)}\n`);
};

/** Calls `onLine` for every complete line; `onOverflow` once a line grows past `maxBytes`. */
export function readLines(
  socket: net.Socket,
  maxBytes: number,
  onLine: (line: string) => void,
  onOverflow: () => void,
): void {
  let buffered = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\n"); end !== -1; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      onLine(line);
    }
    if (Buffer.byteLength(buffered) > maxBytes) {
      buffered = "";
      onOverflow();
    }
  });
}
