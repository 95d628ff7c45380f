import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { jpeg, pdf, png, script } from "../fixtures/files.ts";
import { activeHolder, cardholderForm, issueCard } from "../fixtures/flows.ts";

/**
 * Hostile input against a real Cardrail: every malformed request gets a 4xx in the contract's
 * envelope naming the offending fields, never a 500, and none of them writes a row or moves money.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;
let holderId: string;
let before: Snapshot;

const TABLES = [
  "cards",
  "ledger_transactions",
  "ledger_postings",
  "end_users",
  "cardholders",
  "idempotency_keys",
] as const;
type Snapshot = { rows: Record<string, number>; wallet: unknown };

async function snapshot(): Promise<Snapshot> {
  const db = cardrail.runtime.database.db;
  const rows: Record<string, number> = {};
  for (const table of TABLES) {
    const result = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    rows[table] = Number(result.rows[0]?.n);
  }
  const wallet = await tenant.api("/api/v1/wallet");
  return { rows, wallet: wallet.body.balances };
}

type Res = Awaited<ReturnType<TestTenant["api"]>>;

/** The contract's error envelope, with X-Request-Id matching requestId, naming `fields` (exactly, when given). */
function expectRefused(res: Res, status: number, code: string, fields?: string[]) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
  expect(res.body.requestId).toEqual(expect.any(String));
  expect(res.headers.get("x-request-id")).toBe(res.body.requestId);
  if (fields) {
    const named = new Set((res.body.error.details as { field: string }[]).map((d) => d.field));
    expect([...named].sort()).toEqual([...fields].sort());
  }
}

const postHolder = (body: RequestInit["body"], headers: Record<string, string> = {}) =>
  tenant.api("/api/v1/cardholders", { method: "POST", body, headers });

const postCardRaw = (
  body: string | undefined,
  headers: Record<string, string> = { "content-type": "application/json" },
) =>
  tenant.api("/api/v1/cards", { method: "POST", headers, ...(body === undefined ? {} : { body }) });

/** A hand-built multipart body, for what FormData will not produce. */
function rawMultipart(
  boundary: string,
  parts: { name: string; value: string | Buffer; filename?: string }[],
  close = true,
) {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ""}`;
    const type = part.filename ? "Content-Type: image/jpeg\r\n" : "";
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    chunks.push(Buffer.from("\r\n"));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const REQUIRED = [
  "email",
  "firstName",
  "lastName",
  "country",
  "mobile",
  "kycDocType",
  "kycIdNumber",
  "docFront",
];

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant({ fund: 100 });
  holderId = await activeHolder(tenant);
  before = await snapshot();
});
afterAll(() => cardrail?.close());

describe("POST /cardholders with bad input", () => {
  it.each(REQUIRED)("names %s when it alone is missing", async (field) => {
    const res = await postHolder(cardholderForm({ [field]: null }));
    expectRefused(res, 400, "validation_error", [field]);
  });

  it("names every required field when all are missing", async () => {
    const res = await postHolder(new FormData());
    expectRefused(res, 400, "validation_error", REQUIRED);
    for (const detail of res.body.error.details) expect(detail.message).toBe("required");
  });

  it.each<[string, Record<string, string>]>([
    ["email", { email: "not-an-email" }],
    ["email", { email: "asha@" }],
    ["firstName", { firstName: "Asha2" }],
    ["firstName", { firstName: " Asha" }],
    ["firstName", { firstName: "A".repeat(41) }],
    ["lastName", { lastName: "R4o" }],
    ["lastName", { lastName: "Rao " }],
    ["country", { country: "XX" }],
    ["country", { country: "India" }],
    ["mobile", { mobile: "+91-98" }],
    ["mobile", { mobile: "98 76" }],
    ["kycDocType", { kycDocType: "visa" }],
    ["kycDob", { kycDob: "2023-02-30" }],
    ["kycIssueDate", { kycIssueDate: "31-12-2030" }],
    ["kycExpiryDate", { kycExpiryDate: "31-12-2030" }],
    ["kycExpiryDate", { kycExpiryDate: "2001-01-31" }],
    ["kycDob", { kycDob: "2999-01-01" }],
    ["kycIssueDate", { kycIssueDate: "2999-01-01" }],
    ["gender", { gender: "robot" }],
    ["areaCode", { areaCode: "+91-1" }],
    ["town", { town: "Pu\u0000ne" }],
    ["kycIdNumber", { kycIdNumber: "<script>" }],
  ])("names %s for %j", async (field, overrides) => {
    const res = await postHolder(cardholderForm(overrides));
    expectRefused(res, 400, "validation_error", [field]);
  });

  it("names every wrong field at once, files included", async () => {
    const res = await postHolder(
      cardholderForm({
        email: "x",
        firstName: "1",
        country: "India",
        mobile: "+91-98",
        kycDocType: "visa",
        docFront: script(),
      }),
    );
    expectRefused(res, 400, "validation_error", [
      "email",
      "firstName",
      "country",
      "mobile",
      "kycDocType",
      "docFront",
    ]);
  });

  it("names an expired document together with other wrong fields", async () => {
    const res = await postHolder(
      cardholderForm({ email: "x", kycExpiryDate: "2001-01-31", kycDob: "2999-01-01" }),
    );
    expectRefused(res, 400, "validation_error", ["email", "kycExpiryDate", "kycDob"]);
  });

  it("judges files by content: a script renamed .jpg, an HTML 'image', an empty file are refused", async () => {
    expectRefused(
      await postHolder(cardholderForm({ docFront: script() })),
      400,
      "validation_error",
      ["docFront"],
    );
    const html = Buffer.from("<html><script>alert(1)</script></html>");
    expectRefused(await postHolder(cardholderForm({ docFront: html })), 400, "validation_error", [
      "docFront",
    ]);
    expectRefused(
      await postHolder(cardholderForm({ docFront: Buffer.alloc(0) })),
      400,
      "validation_error",
      ["docFront"],
    );
    const res = await postHolder(
      cardholderForm({
        kycDocType: "id_card",
        docBack: script(),
        selfie: Buffer.from("GIF89a......"),
      }),
    );
    expectRefused(res, 400, "validation_error", ["docBack", "selfie"]);
  });

  it("requires docBack for an id_card and a drivers_license", async () => {
    for (const kycDocType of ["id_card", "drivers_license"]) {
      const res = await postHolder(cardholderForm({ kycDocType }));
      expectRefused(res, 400, "validation_error", ["docBack"]);
    }
  });

  it("refuses a 50 MB file with 413 and keeps answering", async () => {
    const res = await postHolder(
      cardholderForm({ docFront: Buffer.concat([jpeg(), Buffer.alloc(50 * 1024 * 1024, 1)]) }),
    );
    expectRefused(res, 413, "payload_too_large");
    expect((await tenant.api("/api/v1/wallet")).status).toBe(200);
  });

  it("refuses a 50 MB streamed (chunked, no Content-Length) file with 413 and keeps answering", async () => {
    const boundary = "cardrail-chunked";
    const head = rawMultipart(boundary, [{ name: "email", value: "chunked@example.com" }], false);
    async function* body() {
      yield head;
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="docFront"; filename="a.jpg"\r\n\r\n`,
      );
      yield jpeg();
      const chunk = Buffer.alloc(1024 * 1024, 0xff);
      for (let i = 0; i < 50; i++) yield chunk;
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    const res = await tenant.api("/api/v1/cardholders", {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body: ReadableStream.from(body()) as unknown as RequestInit["body"],
      duplex: "half",
    } as RequestInit);
    expectRefused(res, 413, "payload_too_large", ["docFront"]);
    expect((await tenant.api("/api/v1/wallet")).status).toBe(200);
  });

  it("refuses a text field over its size limit", async () => {
    const res = await postHolder(cardholderForm({ town: "a".repeat(5000) }));
    expect([400, 413]).toContain(res.status);
    expectRefused(res, res.status, res.status === 413 ? "payload_too_large" : "validation_error", [
      "town",
    ]);
  });

  it.each<[string, string, string]>([
    ["application/json", JSON.stringify({ email: "a@example.com", firstName: "Asha" }), "JSON"],
    ["text/plain", "email=a@example.com", "plain text"],
    [
      "application/x-www-form-urlencoded",
      "email=a%40example.com&firstName=Asha",
      "a urlencoded form",
    ],
    ["application/xml", "<cardholder/>", "XML"],
  ])("refuses %s (%s) with 415", async (contentType, body) => {
    expectRefused(
      await postHolder(body, { "content-type": contentType }),
      415,
      "unsupported_media_type",
    );
  });

  it("refuses a body with no Content-Type at all", async () => {
    const res = await tenant.api("/api/v1/cardholders", { method: "POST" });
    expect([400, 415]).toContain(res.status);
    expectRefused(
      res,
      res.status,
      res.status === 415 ? "unsupported_media_type" : "validation_error",
    );
  });

  it("refuses broken multipart framing with 400 naming the body", async () => {
    const parts = [{ name: "email", value: "a@example.com" }];
    const cases: [string, Buffer | string][] = [
      ["multipart/form-data; boundary=right", rawMultipart("wrong", parts)],
      ["multipart/form-data; boundary=right", rawMultipart("right", parts, false)], // never closed
      ["multipart/form-data", rawMultipart("right", parts)], // no boundary parameter
      ["multipart/form-data; boundary=", "--\r\n"],
      [
        "multipart/form-data; boundary=right",
        "--right\r\nContent-Disposition: form-data\r\n\r\nx\r\n--right--\r\n",
      ],
      [
        "multipart/form-data; boundary=right",
        Buffer.from([0x2d, 0x2d, 0xff, 0xfe, 0x00, 0x0d, 0x0a]),
      ],
    ];
    for (const [contentType, body] of cases) {
      const res = await postHolder(body, { "content-type": contentType });
      expect(res.status, `${contentType}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.success).toBe(false);
      expect(res.headers.get("x-request-id")).toBe(res.body.requestId);
    }
  });

  it("refuses duplicate fields and files, naming them", async () => {
    const form = cardholderForm();
    form.append("email", "second@example.com");
    expectRefused(await postHolder(form), 400, "validation_error", ["email"]);
    const files = cardholderForm();
    files.append("docFront", new Blob([png()]), "again.png");
    expectRefused(await postHolder(files), 400, "validation_error", ["docFront"]);
  });

  it("refuses a docFront sent as text instead of a file", async () => {
    const form = cardholderForm({ docFront: null });
    form.append("docFront", pdf().toString("latin1"));
    expectRefused(await postHolder(form), 400, "validation_error", ["docFront"]);
  });

  it("answers a malformed path with a 4xx, not a 500", async () => {
    const res = await tenant.api("/api/v1/cardholders/a%00b/status");
    expectRefused(res, 400, "validation_error", ["holderId"]);
  });

  it("answers a badly percent-encoded URL in the envelope, with X-Request-Id", async () => {
    const res = await tenant.api("/api/v1/cards/%E0%A4%A");
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.error.code).toBe("validation_error");
    expect(res.headers.get("x-request-id")).toBe(res.body.requestId);
  });
});

describe("POST /cards with bad input", () => {
  const valid = () => ({
    holderId,
    cardType: "virtual",
    card_product_id: "111031",
    currency: "USD",
    loadAmount: 20,
  });
  const withRaw = (loadAmountText: string) =>
    JSON.stringify({ ...valid(), loadAmount: "__RAW__" }).replace('"__RAW__"', loadAmountText);

  it("says 'required' for each missing field, and what type a wrong one must be", async () => {
    const empty = await postCardRaw("{}");
    expectRefused(empty, 400, "validation_error", [
      "holderId",
      "card_product_id",
      "currency",
      "loadAmount",
    ]);
    for (const detail of empty.body.error.details) expect(detail.message).toBe("required");

    const wrong = await postCardRaw(
      JSON.stringify({ holderId: 5, card_product_id: true, currency: 1, loadAmount: "x" }),
    );
    const messages = Object.fromEntries(
      (wrong.body.error.details as { field: string; message: string }[]).map((d) => [
        d.field,
        d.message,
      ]),
    );
    expect(messages).toEqual({
      holderId: "must be a string",
      card_product_id: "must be a string or a number",
      currency: "must be a string",
      loadAmount: "must be a number in major units, e.g. 20 or 20.5",
    });
  });

  it("says which content type it takes on a 415", async () => {
    const res = await postCardRaw("holderId=x", { "content-type": "text/plain" });
    expectRefused(res, 415, "unsupported_media_type");
    expect(res.body.error.message).toBe("This endpoint takes application/json (sent: text/plain)");
  });

  it("refuses invalid JSON, an empty body and no body", async () => {
    expectRefused(await postCardRaw('{"holderId": "x",'), 400, "validation_error", ["body"]);
    expectRefused(await postCardRaw(""), 400, "validation_error", ["body"]);
    expectRefused(await postCardRaw(undefined, {}), 400, "validation_error", ["body"]);
    expectRefused(await postCardRaw("[]"), 400, "validation_error", ["body"]);
    expectRefused(await postCardRaw("null"), 400, "validation_error", ["body"]);
    expectRefused(await postCardRaw('"a string"'), 400, "validation_error", ["body"]);
    expectRefused(
      await postCardRaw(`{"__proto__": {"admin": true}, "holderId": "x"}`),
      400,
      "validation_error",
    );
  });

  it("refuses a body in another content type with 415", async () => {
    const res = await postCardRaw("<card/>", { "content-type": "application/xml" });
    expectRefused(res, 415, "unsupported_media_type");
  });

  it.each(["holderId", "card_product_id", "currency", "loadAmount"])(
    "names %s when it alone is missing",
    async (field) => {
      const body: Record<string, unknown> = valid();
      delete body[field];
      expectRefused(await postCardRaw(JSON.stringify(body)), 400, "validation_error", [field]);
    },
  );

  it("names every field when all are missing", async () => {
    const res = await postCardRaw("{}");
    expectRefused(res, 400, "validation_error", [
      "holderId",
      "card_product_id",
      "currency",
      "loadAmount",
    ]);
  });

  it.each<[string, string]>([
    ["0", "0"],
    ["-5", "-5"],
    ["1e309", "1e309"],
    ['"20"', '"20"'],
    ["20.001", "20.001"],
    ["1e-7", "1e-7"],
    ["5e-324", "5e-324"],
    ["1000001", "1000001"],
    ["null", "null"],
    ["true", "true"],
    ["{}", "{}"],
    ["[20]", "[20]"],
  ])("names loadAmount for %s", async (_label, raw) => {
    expectRefused(await postCardRaw(withRaw(raw)), 400, "validation_error", ["loadAmount"]);
  });

  it("refuses NaN and Infinity (not JSON) as a malformed body", async () => {
    for (const raw of ["NaN", "Infinity", "-Infinity", "0x10", "+5"]) {
      expectRefused(await postCardRaw(withRaw(raw)), 400, "validation_error", ["body"]);
    }
  });

  it("names currency for an unknown currency and one the product does not offer", async () => {
    for (const currency of ["XYZ", "US", "usdd", "", "€", 840]) {
      expectRefused(
        await postCardRaw(JSON.stringify({ ...valid(), currency })),
        400,
        "validation_error",
        ["currency"],
      );
    }
    const sgd = await postCardRaw(JSON.stringify({ ...valid(), currency: "SGD" }));
    expectRefused(sgd, 400, "validation_error", ["currency"]);
  });

  it("names card_product_id for an unknown or malformed product", async () => {
    for (const card_product_id of [
      "999999",
      "",
      "a".repeat(65),
      -1,
      1.5,
      null,
      { id: "111031" },
      "111031\u0000",
    ]) {
      const res = await postCardRaw(JSON.stringify({ ...valid(), card_product_id }));
      expectRefused(res, 400, "validation_error", ["card_product_id"]);
    }
  });

  it("names cardType for anything but virtual", async () => {
    for (const cardType of ["physical", "", 1, null]) {
      const res = await postCardRaw(JSON.stringify({ ...valid(), cardType }));
      expectRefused(res, 400, "validation_error", ["cardType"]);
    }
  });

  it("names holderId for a malformed one and answers 404 for an unknown one", async () => {
    for (const bad of ["", "a".repeat(65), 183633, null, ["x"], "x\u0000y"]) {
      expectRefused(
        await postCardRaw(JSON.stringify({ ...valid(), holderId: bad })),
        400,
        "validation_error",
        ["holderId"],
      );
    }
    expectRefused(
      await postCardRaw(JSON.stringify({ ...valid(), holderId: "ch_doesnotexist" })),
      404,
      "not_found",
    );
  });

  it("refuses a too-long or non-printable Idempotency-Key", async () => {
    for (const key of ["k".repeat(256), "has space", "tab\there"]) {
      const res = await postCardRaw(JSON.stringify(valid()), {
        "content-type": "application/json",
        "idempotency-key": key,
      });
      expectRefused(res, 400, "validation_error", ["idempotency-key"]);
    }
  });

  it("refuses a JSON body over the size limit with 413", async () => {
    const res = await postCardRaw(JSON.stringify({ ...valid(), padding: "x".repeat(100 * 1024) }));
    expectRefused(res, 413, "payload_too_large");
  });

  it("refuses deeply nested values", async () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    expectRefused(await postCardRaw(withRaw(deep)), 400, "validation_error", ["loadAmount"]);
    const deepObject = `${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`;
    expectRefused(await postCardRaw(deepObject), 400, "validation_error");
  });

  it("answers malformed card ids in the path with a 4xx, not a 500", async () => {
    expectRefused(await tenant.api("/api/v1/cards/a%00b"), 400, "validation_error", ["cardId"]);
    expectRefused(await tenant.api("/api/v1/cards/a%00b/reveal"), 400, "validation_error", [
      "cardId",
    ]);
    expectRefused(await tenant.api(`/api/v1/cards/${"x".repeat(65)}`), 400, "validation_error", [
      "cardId",
    ]);
  });
});

describe("after all of the above", () => {
  it("wrote no row and moved no money", async () => {
    expect(await snapshot()).toEqual(before);
    expect(before.wallet).toEqual([{ currency: "USD", balance: 100 }]);
  });
});

describe("what must still be accepted", () => {
  it("takes a lowercase currency (normalised) and issues the card", async () => {
    const other = await cardrail.tenant({ fund: 50 });
    const otherHolder = await activeHolder(other);
    const res = await issueCard(other, {
      holderId: otherHolder,
      currency: "usd",
      loadAmount: 12.5,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ success: true, loadAmount: 12.5 });
    expect((await other.api("/api/v1/wallet")).body.balances).toEqual([
      { currency: "USD", balance: 37.5 },
    ]);
  });
});
