import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder } from "../fixtures/flows.ts";

/**
 * POST /cards with random JSON: random types per field, deep nesting, huge and tiny numbers,
 * unicode and control characters, raw number texts JSON.stringify cannot produce. No 5xx, the error
 * envelope on every refusal, and the wallet moves only for a fresh 201, by exactly its loadAmount.
 */

const FUND = 1000;
let cardrail: TestCardrail;
let tenant: TestTenant;
let holderId: string;

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant({ fund: FUND });
  holderId = await activeHolder(tenant);
});
afterAll(() => cardrail?.close());

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
    maxLength: 10,
  }),
  fc.constantFrom(
    "\u0000",
    "\ud800",
    "\udfff",
    "\u202e",
    "\ufeff",
    "'; drop table cards; --",
    "{{7*7}}",
    "__proto__",
    "constructor",
  ),
  fc.string({ minLength: 60, maxLength: 70 }),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    0,
    -0,
    1,
    20,
    20.5,
    0.01,
    0.001,
    1e6,
    1e6 + 0.01,
    1e21,
    5e-324,
    Number.MAX_VALUE,
    Number.MAX_SAFE_INTEGER,
  ),
);
const anyValue = fc.oneof(
  nasty,
  number,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
  fc
    .integer({ min: 1, max: 500 })
    .map((depth) => JSON.parse(`${"[".repeat(depth)}1${"]".repeat(depth)}`) as unknown),
);

/** Raw JSON number texts: what JSON.stringify never writes but a client may send. */
const rawNumber = fc.oneof(
  fc.constantFrom(
    "1e309",
    "-1e309",
    "1e-400",
    "-0",
    "0.0",
    "2E1",
    "0.1e1",
    "20.000000000000000001",
    "1.0e+2",
    "NaN",
    "Infinity",
  ),
  fc.integer({ min: 20, max: 400 }).map((n) => "9".repeat(n)),
  fc.integer({ min: 1, max: 400 }).map((n) => `0.${"0".repeat(n)}1`),
);

/** Valid values most of the time, so that some requests succeed and the wallet check means something. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: valid as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: anyValue },
  );

const fields = {
  holderId: () => mostly(fc.constantFrom(holderId, holderId, "ch_unknown")),
  cardType: () => mostly(fc.constantFrom("virtual", "VIRTUAL")),
  card_product_id: () => mostly(fc.constantFrom("111031", 111031, "999999")),
  currency: () => mostly(fc.constantFrom("USD", "usd", "SGD", "JPY", "XYZ")),
  loadAmount: () => mostly(fc.oneof(fc.constantFrom(1, 0.5, 2.25, 1.001), number)),
};

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

const body = fc.record(
  {
    holderId: fc.constant(null).chain(() => fields.holderId()),
    cardType: fc.constant(null).chain(() => fields.cardType()),
    card_product_id: fc.constant(null).chain(() => fields.card_product_id()),
    currency: fc.constant(null).chain(() => fields.currency()),
    loadAmount: fc.constant(null).chain(() => fields.loadAmount()),
    extra: fc.dictionary(nasty, anyValue, { maxKeys: 3 }),
  },
  { requiredKeys: ["holderId", "card_product_id", "currency", "loadAmount"] },
);

/** The JSON text to send: a random body, sometimes with a raw number text, sometimes mangled. */
const requestText = fc.oneof(
  { weight: 6, arbitrary: body.map(({ extra, ...rest }) => JSON.stringify({ ...extra, ...rest })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(body, rawNumber)
      .map(([{ extra: _extra, ...rest }, raw]) =>
        JSON.stringify({ ...rest, loadAmount: "__RAW__" }).replace('"__RAW__"', raw),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(body, fc.nat(), fc.string({ maxLength: 5 }))
      .map(([{ extra: _extra, ...rest }, at, junk]) => {
        const text = JSON.stringify(rest);
        const i = at % (text.length + 1);
        return text.slice(0, i) + junk + text.slice(i + junk.length);
      }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ""),
    ),
  },
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "text/plain",
      "application/xml",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ),
  },
);

const idempotencyKey = fc.option(fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,300}$/), fc.uuid()), {
  nil: undefined,
});

async function balanceMinor(): Promise<bigint> {
  const res = await tenant.api("/api/v1/wallet");
  const usd = (res.body.balances as { currency: string; balance: number }[]).find(
    (b) => b.currency === "USD",
  );
  return BigInt(Math.round((usd?.balance ?? 0) * 100));
}

describe("POST /cards fuzz", () => {
  it("never answers 5xx, and only a fresh 201 moves the wallet, by its loadAmount", async () => {
    let expected = await balanceMinor();
    expect(expected).toBe(BigInt(FUND * 100));
    let created = 0;
    await fc.assert(
      fc.asyncProperty(requestText, contentType, idempotencyKey, async (text, type, key) => {
        const res = await tenant.api("/api/v1/cards", {
          method: "POST",
          headers: {
            "content-type": type,
            ...(key === undefined ? {} : { "idempotency-key": key }),
          },
          body: text,
        });
        expect(
          res.status,
          `${res.status} ${JSON.stringify(res.body)} for ${text.slice(0, 300)}`,
        ).toBeLessThan(500);
        expect(res.headers.get("x-request-id")).toBeTruthy();
        if (res.status === 201) {
          expect(res.body).toMatchObject({ success: true, holderId, cardId: expect.any(String) });
          if (res.headers.get("idempotent-replayed") !== "true") {
            expected -= BigInt(Math.round(res.body.loadAmount * 100));
            created++;
          }
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.body).toMatchObject({
            success: false,
            error: { code: expect.any(String), message: expect.any(String) },
          });
          expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
        }
        expect(await balanceMinor()).toBe(expected);
      }),
      { numRuns: RUNS },
    );
    // The generator is tuned so that some requests are valid: the balance check was exercised.
    expect(created).toBeGreaterThan(0);
    const cards = await cardrail.runtime.database.db.selectFrom("cards").select("id").execute();
    expect(cards).toHaveLength(created);
  });
});
