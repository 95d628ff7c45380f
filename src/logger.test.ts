import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

const SECRET = "sk_live_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
const TEST_SECRET = "sk_test_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvu";
const WHSEC = "whsec_9f8e7d6c5b4a3928171605f4e3d2c1b0aa";
const TOKEN = "rvt_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/** A trace-level logger writing into an array, like the service's (same createLogger). */
function capture() {
  const lines: string[] = [];
  const log = createLogger("trace", { write: (line: string) => void lines.push(line) });
  return { log, text: () => lines.join("") };
}

function expectNoSecret(text: string) {
  expect(text.length).toBeGreaterThan(0);
  for (const secret of [SECRET, TEST_SECRET, WHSEC, TOKEN, "cookie-value-1", "basic-user-pw"])
    expect(text, text).not.toContain(secret);
  expect(text).not.toMatch(/sk_(test|live)_[A-Za-z0-9]/);
}

describe("logs never carry secrets, whatever shape the caller logs them in", () => {
  it("busboy's options (@fastify/multipart at trace): headers of the request, nested", () => {
    const { log, text } = capture();
    log.trace(
      {
        busboyOptions: {
          headers: {
            "content-type": "multipart/form-data; boundary=x",
            "x-api-key": "dk_test_abc",
            "x-access-key": TEST_SECRET,
            cookie: "session=cookie-value-1",
          },
          limits: { fileSize: 10 },
        },
      },
      "Providing options to busboy",
    );
    expectNoSecret(text());
    // Harmless headers and other fields are kept: the log is still useful.
    expect(text()).toContain("multipart/form-data; boundary=x");
    expect(text()).toContain('"fileSize":10');
    expect(text()).toContain('"x-access-key":"[redacted]"');
  });

  it("any headers object at any depth, rawHeaders arrays, and secret-named keys", () => {
    const { log, text } = capture();
    log.debug({
      a: { b: { c: { d: { request: { headers: { Authorization: "Basic basic-user-pw" } } } } } },
      raw: { rawHeaders: ["X-Access-Key", SECRET, "Content-Type", "text/plain"] },
      upstream: { config: { headers: { "x-client-id": "id", "x-api-key": "uqpay-secret-1" } } },
      deep: [{ accessKey: SECRET }, { "X-Access-Key": TEST_SECRET }, { idempotency_key: "k-1" }],
      webhook: { secret: WHSEC, revealToken: TOKEN },
    });
    expectNoSecret(text());
    expect(text()).not.toContain("uqpay-secret-1");
    expect(text()).not.toContain('"k-1"');
    expect(text()).toContain("text/plain");
  });

  it("secrets recognised by shape in any string, message or interpolated argument", () => {
    const { log, text } = capture();
    log.info({ note: `the caller sent ${SECRET} in a field` }, `message with ${TEST_SECRET}`);
    log.warn("format %s and %o", WHSEC, { nested: `Bearer ${TOKEN}` });
    log.info(`GET /api/v1/cards/reveal?token=${TOKEN}&x=1`);
    expectNoSecret(text());
    expect(text()).toContain("sk_live_[redacted]");
    expect(text()).toContain("token=[redacted]");
  });

  it("errors: message, own fields and cause, logged as the object or under err", () => {
    const { log, text } = capture();
    const error = Object.assign(new Error(`refused ${SECRET}`), {
      headers: { "x-access-key": TEST_SECRET },
      cause: new Error(`because ${WHSEC}`),
    });
    log.error(error);
    log.error({ err: error });
    log.error({ err: error }, "with a message");
    log.warn({ failure: error }, "under another key");
    expectNoSecret(text());
    expect(text()).toContain("refused sk_live_[redacted]");
  });

  it("values under req, res and err (which have serializers of their own) are scrubbed too", () => {
    const { log, text } = capture();
    log.info({
      res: { statusCode: 502, headers: { "set-cookie": "cookie-value-1" }, body: SECRET },
    });
    log.info({ req: { method: "POST", url: `/x?token=${TOKEN}`, headers: { cookie: "c" } } });
    log.info({ err: { message: `plain object ${TEST_SECRET}` } });
    expectNoSecret(text());
    expect(text()).toContain('"statusCode":502');
  });

  it("child bindings and circular objects", () => {
    const { log, text } = capture();
    const circular: Record<string, unknown> = { accessKey: SECRET };
    circular.self = circular;
    log.child({ headers: { "x-access-key": SECRET }, key: TEST_SECRET }).info({ circular }, "hi");
    expectNoSecret(text());
    expect(text()).toContain("[Circular]");
  });
});

describe("every log line is JSON, and card numbers in values are masked", () => {
  const PAN = "4111111111111111";

  it("masks a card number in a URL, a message, a nested value and a numeric value", () => {
    const { log, text } = capture();
    log.info({ url: `/api/v1/cards/${PAN}?x=1`, nested: { note: `card ${PAN}` } }, `saw ${PAN}`);
    log.info({ value: 4222222222222, other: 4222222222223 }, "numbers");
    const lines = text().trim().split("\n");
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(text()).not.toContain(PAN);
    expect(text()).toContain("411111******1111");
    expect(JSON.parse(lines[1] ?? "{}")).toMatchObject({
      value: "422222***2222",
      other: 4222222222223,
    });
  });

  it("leaves other numbers alone: a duration's digits are never rewritten into invalid JSON", () => {
    const { log, text } = capture();
    // The fraction's digits once matched the card-number shape and were masked inside the line.
    log.info({ responseTime: 118.2046194567497, time2: 1_764_441_600_000 }, "request completed");
    const line = JSON.parse(text());
    expect(line.responseTime).toBe(118.2046194567497);
    expect(line.time2).toBe(1_764_441_600_000);
  });
});
