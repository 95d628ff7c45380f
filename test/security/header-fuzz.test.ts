import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";

/**
 * Bounded fuzzing of what arrives before any handler: credential headers with control characters,
 * unicode, injection strings and huge values (sent as raw bytes, since fetch refuses them), and
 * deeply nested JSON. Zero 5xx and the service still answers afterwards.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant({ fund: 10 });
});
afterAll(async () => {
  await cardrail?.close();
});

/** One raw HTTP/1.1 request; resolves with the status code (0 if the server closed without one). */
function rawRequest(head: Buffer): Promise<number> {
  const { port } = new URL(cardrail.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1");
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
    });
    socket.on("error", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.write(head);
    socket.end();
  });
}

const request = (apiKey: Buffer, accessKey: Buffer, path = "/api/v1/wallet") =>
  Buffer.concat([
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Api-Key: `),
    apiKey,
    Buffer.from("\r\nX-Access-Key: "),
    accessKey,
    Buffer.from("\r\n\r\n"),
  ]);

describe("header and body fuzzing", () => {
  it("deeply nested JSON bodies get 4xx, never 5xx", async () => {
    for (const depth of [100, 1000, 20_000]) {
      for (const body of [
        "[".repeat(depth) + "]".repeat(depth),
        `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      ]) {
        const res = await tenant.api("/api/v1/cards", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        expect(res.status, `depth ${depth}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `depth ${depth}`).toBeLessThan(500);
      }
    }
  });

  it("credential headers with arbitrary bytes, unicode and huge values never give a 5xx", async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 200 }).map((a) => Buffer.from(a)),
      fc.string({ unit: "grapheme", maxLength: 100 }).map((s) => Buffer.from(s, "utf8")),
      fc
        .constantFrom(
          "dk_test_' OR 1=1 --",
          "dk_test_\u0000",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, literally
          "${jndi:ldap://x}",
          "../../etc/passwd",
          "dk_test_%00",
          "x".repeat(20_000),
          `dk_test_${"é".repeat(5000)}`,
        )
        .map((s) => Buffer.from(s, "utf8")),
    );
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(bytes, bytes, async (apiKey, accessKey) => {
        // CR/LF would start a new header line: that is request smuggling territory, tested as its own case.
        const clean = (b: Buffer) => Buffer.from(b.filter((c) => c !== 10 && c !== 13));
        const status = await rawRequest(request(clean(apiKey), clean(accessKey)));
        statuses.add(status);
        return status === 0 || (status >= 400 && status < 500);
      }),
      { numRuns: 150 },
    );
    expect([...statuses].every((s) => s < 500)).toBe(true);
    // Header injection attempt: a bare LF inside the key value.
    const smuggle = await rawRequest(
      request(Buffer.from("dk_test_a\nX-Api-Key: b"), Buffer.from("s")),
    );
    expect(smuggle === 0 || (smuggle >= 400 && smuggle < 500)).toBe(true);
  });

  it("a huge header block is refused with 431 and the service still answers", async () => {
    const status = await rawRequest(
      request(Buffer.from("dk_test_x"), Buffer.from("y".repeat(100_000))),
    );
    expect(status === 0 || status === 431 || status === 400).toBe(true);
    const health = await fetch(`${cardrail.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
