import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { jpeg } from "../fixtures/files.ts";
import { activeHolder, createHolder, issueCard } from "../fixtures/flows.ts";
import { httpApi } from "../fixtures/http.ts";

/**
 * PCI DSS 3.3/3.4: after a full run at LOG_LEVEL=trace (holder, several cards, reveals, reveal
 * tokens, error paths), no revealed card number and no CVV appears in any table of the database,
 * the log output, /metrics (when it exists) or any error body. GET /cards/:id shows the masked form.
 * The same trace log holds no credential either: no access key (multipart requests included, whose
 * headers @fastify/multipart logs at trace), no reveal token, no webhook secret.
 */

let cardrail: TestCardrail;
let tenant: TestTenant;
const logChunks: string[] = [];
const responses: { path: string; status: number; text: string }[] = [];
const revealed: { pan: string; cvv: string; cardId: string }[] = [];
/** Every credential the run used or was given: none may appear in the log. */
const credentials: string[] = [];

async function call(path: string, init: RequestInit = {}) {
  const { status, body, text } = await httpApi(cardrail.url, tenant.headers)(path, init);
  responses.push({ path, status, text });
  return { status, body };
}

async function untilActive<T extends { status: number }>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const res = await attempt();
    if (res.status !== 409) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("card never became active");
}

/** Every occurrence that would be a leak of this card's data in some text. */
function leaks(text: string, card: { pan: string; cvv: string }): string[] {
  const found: string[] = [];
  if (text.includes(card.pan)) found.push("full PAN");
  // The PAN split by separators (spaces, dashes), as a formatter might print it.
  const spaced = card.pan.match(/.{4}/g)?.join("[ -]?") ?? card.pan;
  if (new RegExp(spaced).test(text)) found.push("formatted PAN");
  if (text.includes(`"cvv":"${card.cvv}"`) || text.includes(`"cvv": "${card.cvv}"`))
    found.push("cvv JSON");
  if (new RegExp(`cvv[^0-9a-z]{0,5}${card.cvv}(?![0-9])`, "i").test(text))
    found.push("cvv near word");
  return found;
}

beforeAll(async () => {
  cardrail = await startCardrail(
    { LOG_LEVEL: "trace" },
    { logDestination: { write: (chunk: string) => void logChunks.push(chunk) } },
  );
  tenant = await cardrail.tenant({ fund: 500 });
  credentials.push(tenant.headers["x-access-key"] ?? "");

  // Multipart (POST /cardholders): its request headers, access key included, reach busboy's options.
  const holder = await activeHolder(tenant);
  const review = await createHolder(tenant, { kycIdNumber: "INCOMPLETE-1" });
  const documents = new FormData();
  documents.append("kycDocType", "passport");
  documents.append("kycIdNumber", "P7654321");
  documents.append("docFront", new Blob([jpeg()]), "front.jpg");
  await call(`/api/v1/cardholders/${review}/documents`, { method: "POST", body: documents });
  const endpoint = await call("/api/v1/webhook-endpoints", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: "http://127.0.0.1:9/hooks" }),
  });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
  credentials.push(endpoint.body.secret);
  const cards: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await issueCard(tenant, { holderId: holder, loadAmount: 10 + i }, `leak-${i}`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    cards.push(res.body.cardId);
  }
  for (const cardId of cards) {
    const res = await untilActive(() => call(`/api/v1/cards/${cardId}/reveal`));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    revealed.push({ pan: res.body.cardDetails.card_number, cvv: res.body.cardDetails.cvv, cardId });
    // Reveal twice: a cache or a log of the first answer would show up the second time.
    expect((await call(`/api/v1/cards/${cardId}/reveal`)).status).toBe(200);
  }
  for (const cardId of cards.slice(0, 2)) {
    const minted = await call(`/api/v1/cards/${cardId}/reveal-token`, { method: "POST" });
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    credentials.push(minted.body.token);
    const url = `/api/v1/cards/reveal?token=${minted.body.token}`;
    const redeemed = await call(url, { headers: { "x-api-key": "", "x-access-key": "" } });
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(200);
    expect(redeemed.body.cardDetails.card_number).toBe(
      revealed.find((r) => r.cardId === cardId)?.pan,
    );
    expect((await call(url)).status).toBe(404);
  }
  // Error paths, each with card data in the request where a careless handler could echo it.
  const pan = revealed[0]?.pan ?? "";
  const cvv = revealed[0]?.cvv ?? "";
  await call(`/api/v1/cards/${pan}`);
  await call(`/api/v1/cards/${pan}/reveal`);
  await call(`/api/v1/cards/reveal?token=${pan}`);
  await call("/api/v1/cards", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ holderId: pan, cvv, card_number: pan, currency: "XXX", loadAmount: -1 }),
  });
  await call("/api/v1/cards", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"card_number":"${pan}","cvv":"${cvv}"`,
  });
  await call("/api/v1/wallet", { headers: { "x-api-key": pan, "x-access-key": `cvv ${cvv}` } });
  await call(`/api/v1/no-such-route/${pan}?cvv=${cvv}`);
}, 120_000);

afterAll(async () => {
  await cardrail?.close();
});

describe("card data after a full run", () => {
  it("revealed real card data (sanity: the checks below look for something that existed)", () => {
    expect(revealed).toHaveLength(4);
    for (const card of revealed) {
      expect(card.pan).toMatch(/^\d{15,19}$/);
      expect(card.cvv).toMatch(/^\d{3,4}$/);
    }
  });

  it("GET /cards/:id never shows the card number: at most first six to eight and last four", async () => {
    for (const card of revealed) {
      const res = await call(`/api/v1/cards/${card.cardId}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(card.pan);
      expect(JSON.stringify(res.body)).not.toMatch(/cvv/i);
      // Known gap (SECURITY.md): a card activated by webhook has no masked number yet (null).
      const masked: string | null = res.body.maskedNumber;
      if (masked !== null) {
        expect(masked, JSON.stringify(res.body)).toMatch(/^\d{0,8}[*•xX ]+\d{4}$/);
        expect(masked.endsWith(card.pan.slice(-4))).toBe(true);
        const lead = masked.match(/^\d*/)?.[0] ?? "";
        expect(card.pan.startsWith(lead)).toBe(true);
      }
    }
  });

  it("no table of the database holds a card number or CVV", async () => {
    const db = cardrail.runtime.database.db;
    const columns = await sql<{ table_schema: string; table_name: string; column_name: string }>`
      SELECT c.table_schema, c.table_name, c.column_name
      FROM information_schema.columns c
      JOIN information_schema.tables t
        ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'uuid')
             OR c.data_type = 'ARRAY')`.execute(db);
    expect(columns.rows.length).toBeGreaterThan(20);
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
    let scanned = 0;
    for (const { table_schema, table_name, column_name } of columns.rows) {
      const column = `${quote(table_schema)}.${quote(table_name)}.${quote(column_name)}`;
      const values = await sql<{ v: string | null }>`
        SELECT CASE WHEN pg_typeof(${sql.ref(`${table_schema}.${table_name}.${column_name}`)})::text = 'bytea'
                    THEN convert_from(${sql.raw(`${quote(table_schema)}.${quote(table_name)}.${quote(column_name)}`)}::bytea, 'SQL_ASCII')
                    ELSE ${sql.raw(column)}::text END AS v
        FROM ${sql.raw(`${quote(table_schema)}.${quote(table_name)}`)}`
        .execute(db)
        .catch(
          async () =>
            await sql<{ v: string | null }>`SELECT ${sql.raw(column)}::text AS v FROM ${sql.raw(
              `${quote(table_schema)}.${quote(table_name)}`,
            )}`.execute(db),
        );
      for (const { v } of values.rows) {
        if (v === null) continue;
        scanned++;
        for (const card of revealed) {
          expect(leaks(v, card), `${column}: ${v.slice(0, 200)}`).toEqual([]);
        }
      }
    }
    expect(scanned).toBeGreaterThan(50);
  });

  it("the trace-level log output holds no card number or CVV", () => {
    const log = logChunks.join("");
    expect(log.length).toBeGreaterThan(1000);
    // The log did see the requests (the check is not vacuous) but not the token values.
    expect(log).toContain("/api/v1/cards/reveal?token=[redacted]");
    for (const card of revealed)
      expect(
        leaks(log, card),
        log
          .split("\n")
          .filter((l) => l.includes(card.pan))
          .slice(0, 5)
          .join("\n"),
      ).toEqual([]);
  });

  it("the trace-level log output holds no credential, multipart requests included", () => {
    const log = logChunks.join("");
    // Not vacuous: multipart requests were logged at trace, with their (censored) headers.
    expect(log).toContain("Providing options to busboy");
    expect(log).toContain('"x-access-key":"[redacted]"');
    expect(credentials.length).toBeGreaterThanOrEqual(3);
    for (const credential of credentials) {
      expect(credential.length).toBeGreaterThan(20);
      expect(
        log.includes(credential),
        log
          .split("\n")
          .filter((l) => l.includes(credential))
          .slice(0, 3)
          .join("\n"),
      ).toBe(false);
    }
    expect(log).not.toMatch(/sk_(test|live)_[A-Za-z0-9-]/);
  });

  it("error bodies and /metrics (if present) hold no card number or CVV", async () => {
    const errors = responses.filter((r) => r.status >= 400 && !r.path.includes("no-such-route"));
    expect(errors.length).toBeGreaterThan(5);
    for (const response of errors) {
      for (const card of revealed) {
        expect(leaks(response.text, card), `${response.path}: ${response.text}`).toEqual([]);
      }
    }
    const metrics = await fetch(`${cardrail.url}/metrics`);
    const text = await metrics.text();
    if (metrics.status === 200) {
      for (const card of revealed) expect(leaks(text, card)).toEqual([]);
    }
  });

  // The not-found handler used to echo the request path; it no longer does.
  it("the 404 for an unknown route does not echo a card number from the URL", () => {
    const echo = responses.filter((r) => r.path.includes("no-such-route"));
    expect(echo).toHaveLength(1);
    for (const response of echo) {
      for (const card of revealed) expect(leaks(response.text, card)).toEqual([]);
    }
  });
});
