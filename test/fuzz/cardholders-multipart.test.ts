import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { jpeg, pdf, png, script } from "../fixtures/files.ts";

/**
 * POST /cardholders with random multipart bodies: random field names and values, random bytes as
 * files (some with real magic numbers), random boundaries, duplicated, truncated and corrupted
 * framing, wrong content types. Never a 5xx; the error envelope on every refusal; the wallet never
 * moves (creating a cardholder costs nothing).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant({ fund: 100 });
});
afterAll(() => cardrail?.close());

const TEXT = [
  "email",
  "firstName",
  "lastName",
  "country",
  "mobile",
  "kycDocType",
  "kycIdNumber",
  "kycDob",
  "kycIssueDate",
  "kycExpiryDate",
  "gender",
  "areaCode",
  "town",
];
const FILES = ["docFront", "docBack", "selfie"];

const nasty = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
    maxLength: 8,
  }),
  fc.constantFrom(
    "\u0000",
    "\ud800",
    "\u202e",
    "__proto__",
    "constructor",
    "hasOwnProperty",
    "toString",
    '"',
    "\r\n",
    "--",
  ),
  fc.string({ minLength: 1000, maxLength: 1100 }),
);

/** Plausible values per field, so that some forms pass and the deeper checks run too. */
const plausible: Record<string, fc.Arbitrary<string>> = {
  email: fc.oneof(fc.emailAddress(), fc.constant("a@example.com")),
  firstName: fc.constantFrom("Asha", "Jean Luc", "李", " Asha", "A".repeat(41)),
  lastName: fc.constantFrom("Rao", "O Brien", "R4o"),
  country: fc.constantFrom("IN", "in", "XX", "India", "GB"),
  mobile: fc.oneof(fc.stringMatching(/^\d{4,15}$/), fc.constant("+91-98")),
  kycDocType: fc.constantFrom("passport", "id_card", "drivers_license", "visa"),
  kycIdNumber: fc.oneof(
    fc.stringMatching(/^P[0-9A-Z]{5,12}$/),
    fc.constantFrom("REVIEW1", "REJECT1"),
  ),
  kycDob: fc.constantFrom("1990-01-01", "2023-02-30", "2999-01-01", "31-12-2030"),
  kycIssueDate: fc.constantFrom("2020-01-01", "2999-01-01"),
  kycExpiryDate: fc.constantFrom("2035-01-01", "2001-01-01", "2024-02-29", "2023-02-29"),
  gender: fc.constantFrom("male", "FEMALE", "robot"),
  areaCode: fc.constantFrom("91", "+91", "abc"),
  town: fc.constantFrom("Pune", "Pu\u0000ne", ""),
};

const fileBytes = fc.oneof(
  fc.constantFrom(jpeg(), png(), pdf(), script(), Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  fc
    .tuple(fc.constantFrom(jpeg(8), png(8), pdf(8)), fc.uint8Array({ maxLength: 512 }))
    .map(([head, tail]) => Buffer.concat([head, Buffer.from(tail)])),
);

type Part = { name: string; value: Buffer; filename?: string; contentType?: string };

const textPart: fc.Arbitrary<Part> = fc.oneof(
  fc.constantFrom(...TEXT).chain((name) =>
    fc
      .oneof(
        { weight: 3, arbitrary: plausible[name] as fc.Arbitrary<string> },
        { weight: 1, arbitrary: nasty },
      )
      .map((v) => ({
        name,
        value: Buffer.from(v),
      })),
  ),
  fc.tuple(nasty, nasty).map(([name, v]) => ({ name, value: Buffer.from(v) })),
);

const filePart: fc.Arbitrary<Part> = fc.record({
  name: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...FILES) },
    { weight: 1, arbitrary: nasty },
  ),
  value: fileBytes,
  filename: fc.oneof(fc.constantFrom("id.jpg", "id.png", "doc.pdf", "run.sh", ""), nasty),
  contentType: fc.constantFrom("image/jpeg", "application/octet-stream", "text/x-shellscript", ""),
});

let unique = 0;
/** Values the schema accepts, so that some forms pass and the deeper checks (files, upstream) run too. */
const good: Record<string, fc.Arbitrary<string>> = {
  email: fc.constant(null).map(() => `fuzz.${Date.now().toString(36)}.${++unique}@example.com`),
  firstName: fc.constantFrom("Asha", "Jean Luc", "Zoë"),
  lastName: fc.constantFrom("Rao", "O Brien"),
  country: fc.constantFrom("IN", "gb", "SG"),
  mobile: fc.stringMatching(/^\d{6,15}$/),
  kycDocType: fc.constantFrom("passport", "passport", "id_card"),
  kycIdNumber: fc.stringMatching(/^P[0-9A-Z]{5,12}$/),
};

/** Usually a complete form (mostly good values) plus random extra parts, in a random order. */
const parts = fc
  .tuple(
    fc.tuple(
      ...TEXT.slice(0, 7).map((name) =>
        fc
          .oneof(
            { weight: 6, arbitrary: good[name] as fc.Arbitrary<string> },
            { weight: 1, arbitrary: plausible[name] as fc.Arbitrary<string> },
          )
          .map((v): Part => ({ name, value: Buffer.from(v) })),
      ),
    ),
    fc.array(fc.oneof(textPart, filePart), { maxLength: 6 }),
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  )
  .chain(([base, extra, withFront, dropSome]) => {
    const all: Part[] = [
      ...base,
      ...extra,
      ...(withFront ? [{ name: "docFront", value: jpeg(), filename: "id.jpg" }] : []),
    ];
    return dropSome ? fc.shuffledSubarray(all) : fc.constant(all);
  });

const boundaryChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+_,-./:=?";
const boundary = fc.oneof(
  fc.string({ unit: fc.constantFrom(...boundaryChars), minLength: 1, maxLength: 70 }),
  fc.constantFrom("x", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "a".repeat(200)),
);

const escapeName = (name: string) =>
  name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

function encode(b: string, list: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of list) {
    let head = `--${b}\r\nContent-Disposition: form-data; name="${escapeName(part.name)}"`;
    if (part.filename !== undefined) head += `; filename="${escapeName(part.filename)}"`;
    head += "\r\n";
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), part.value, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${b}--\r\n`));
  return Buffer.concat(chunks);
}

/** What to do to the encoded body before sending it. */
const corruption = fc.oneof(
  { weight: 6, arbitrary: fc.constant((body: Buffer) => body) },
  {
    weight: 1,
    arbitrary: fc.nat().map((n) => (body: Buffer) => body.subarray(0, n % (body.length + 1))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }))
      .map(([n, junk]) => (body: Buffer) => {
        const at = n % (body.length + 1);
        return Buffer.concat([body.subarray(0, at), Buffer.from(junk), body.subarray(at)]);
      }),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 4096 }).map((junk) => () => Buffer.from(junk)),
  },
);

const contentTypeFor = fc.oneof(
  { weight: 8, arbitrary: fc.constant((b: string) => `multipart/form-data; boundary=${b}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      (b: string) => `multipart/form-data; boundary="${b}"`,
      (b: string) => `multipart/form-data; boundary=${b}x`,
      () => "multipart/form-data",
      (b: string) => `multipart/mixed; boundary=${b}`,
      (b: string) => `MULTIPART/FORM-DATA; BOUNDARY=${b}`,
      () => "application/json",
      () => "application/octet-stream",
      (b: string) => `multipart/form-data; charset=utf-8; boundary=${b}`,
    ),
  },
);

async function balances() {
  return (await tenant.api("/api/v1/wallet")).body.balances;
}

describe("POST /cardholders fuzz", () => {
  it("never answers 5xx, refuses in the envelope, and never moves the wallet", async () => {
    const before = await balances();
    expect(before).toEqual([{ currency: "USD", balance: 100 }]);
    let created = 0;
    await fc.assert(
      fc.asyncProperty(
        parts,
        boundary,
        corruption,
        contentTypeFor,
        async (list, b, corrupt, typeFor) => {
          const body = corrupt(encode(b, list));
          const res = await tenant.api("/api/v1/cardholders", {
            method: "POST",
            headers: { "content-type": typeFor(b) },
            body,
          });
          const summary = list
            .map((p) => `${p.name}${p.filename === undefined ? "" : `[file ${p.value.length}B]`}`)
            .join(",");
          expect(
            res.status,
            `${res.status} ${JSON.stringify(res.body)} for ${summary}`,
          ).toBeLessThan(500);
          expect(res.headers.get("x-request-id")).toBeTruthy();
          if (res.status === 201) {
            created++;
            expect(res.body).toMatchObject({
              success: true,
              holderId: expect.any(String),
              holderStatus: expect.any(String),
            });
          } else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.body).toMatchObject({
              success: false,
              error: { code: expect.any(String), message: expect.any(String) },
            });
            expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
            if (res.body.error.code === "validation_error") {
              for (const detail of res.body.error.details)
                expect(detail.field).toEqual(expect.any(String));
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(await balances()).toEqual(before);
    const ledger = await cardrail.runtime.database.db
      .selectFrom("ledger_transactions")
      .select(["kind"])
      .execute();
    expect(ledger.every((row) => row.kind !== "card_debit")).toBe(true);
    const holders = await cardrail.runtime.database.db
      .selectFrom("cardholders")
      .select("id")
      .execute();
    expect(holders).toHaveLength(created);
  });
});
