import { request as httpRequest } from "node:http";

/** Multipart POST /cardholders bodies of any size, sent the way a slow real client sends them. */

export function jpeg(size: number): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
    Buffer.alloc(size - 11, 7),
  ]);
}

let uniq = 0;
function multipartParts(file: Buffer): { head: Buffer; file: Buffer; tail: Buffer; type: string } {
  uniq++;
  const boundary = `----cardrailbench${Date.now().toString(36)}${uniq}`;
  const id = `${process.pid}x${Date.now().toString(36)}x${uniq}`;
  const fields: Record<string, string> = {
    email: `bench.${id}@example.com`,
    firstName: "Asha",
    lastName: "Rao",
    country: "IN",
    mobile: `9${String(100_000_000 + (uniq % 899_999_999)).padStart(9, "0")}`,
    kycDocType: "passport",
    kycIdNumber: `P${id}`.slice(0, 20),
  };
  let head = "";
  for (const [k, v] of Object.entries(fields))
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="docFront"; filename="doc.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  return {
    head: Buffer.from(head),
    file,
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

interface PostOutcome {
  status: number;
  body: string;
  ms: number;
  bytesWritten: number;
}

/** A multipart POST with a raw body, written in 1 MiB chunks so an early answer can stop it. */
export function postMultipart(
  url: string,
  headers: Record<string, string>,
  file: Buffer,
): Promise<PostOutcome> {
  const parts = multipartParts(file);
  const length = parts.head.length + parts.file.length + parts.tail.length;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      `${url}/api/v1/cardholders`,
      {
        method: "POST",
        // A connection of its own: socket.bytesWritten then counts this request's bytes only.
        agent: false,
        headers: { ...headers, "content-type": parts.type, "content-length": String(length) },
      },
      (res) => {
        answered = true;
        const ms = performance.now() - started;
        const bytesWritten = req.socket?.bytesWritten ?? 0;
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body, ms, bytesWritten });
          req.destroy();
        });
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("upload timed out")));
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    req.write(parts.head);
    const chunk = 1024 * 1024;
    let offset = 0;
    const pump = () => {
      while (offset < parts.file.length && !answered) {
        const piece = parts.file.subarray(offset, offset + chunk);
        offset += piece.length;
        if (!req.write(piece)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end(parts.tail);
    };
    pump();
  });
}
