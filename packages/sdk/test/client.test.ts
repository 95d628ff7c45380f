import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startCardrail,
  type TestCardrail,
  type TestTenant,
} from "../../../test/fixtures/cardrail.ts";
import { jpeg, pdf, png } from "../../../test/fixtures/files.ts";
import {
  CardholderRejectedError,
  CardholderUnderVerificationError,
  Cardrail,
  CardrailConnectionError,
  CardrailError,
  CardrailTimeoutError,
  type CreateCardholderInput,
  DuplicateCardholderError,
  IdempotencyKeyReusedError,
  InsufficientBalanceError,
  InvalidCredentialsError,
  NotFoundError,
  ValidationError,
} from "../src/index.ts";

let cr: TestCardrail;
let dir: string;

beforeAll(async () => {
  cr = await startCardrail();
  dir = await mkdtemp(join(tmpdir(), "cardrail-sdk-"));
});
afterAll(async () => {
  await cr?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Fetch = typeof fetch;

function client(tenant: TestTenant, options: { fetch?: Fetch; maxRetries?: number } = {}) {
  return new Cardrail({
    apiKey: tenant.headers["x-api-key"] as string,
    accessKey: tenant.headers["x-access-key"] as string,
    baseUrl: cr.url,
    ...options,
  });
}

function holder(overrides: Partial<CreateCardholderInput> = {}): CreateCardholderInput {
  const unique = randomBytes(5).toString("hex");
  return {
    email: `sdk.${unique}@example.com`,
    firstName: "Asha",
    lastName: "Rao",
    country: "IN",
    mobile: `9${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`,
    kycDocType: "passport",
    kycIdNumber: `P${unique}`,
    kycExpiryDate: "2031-05-01",
    docFront: jpeg(),
    ...overrides,
  };
}

const card = (holderId: string, loadAmount = 20) => ({
  holderId,
  card_product_id: "111031",
  currency: "USD",
  loadAmount,
});

async function activeHolder(sdk: Cardrail): Promise<string> {
  const { holderId } = await sdk.cardholders.create(holder());
  await sdk.cardholders.waitForActive(holderId, { intervalMs: 25, timeoutMs: 20_000 });
  return holderId;
}

async function cardsOf(tenantId: string) {
  return cr.runtime.database.db
    .selectFrom("cards")
    .select(["id", "status"])
    .where("tenant_id", "=", tenantId)
    .execute();
}

const usd = async (sdk: Cardrail) =>
  (await sdk.wallet.balances()).balances.find((b) => b.currency === "USD")?.balance;

/** A fetch that records requests and can replace or drop answers (the SDK calls it with a Request). */
function spyFetch(
  intercept?: (call: { url: string; method: string; n: number }) => Response | "drop" | undefined,
) {
  const calls: { method: string; url: string; headers: Headers }[] = [];
  const wrapped: Fetch = async (input, init) => {
    const request = new Request(input, init);
    calls.push({ method: request.method, url: request.url, headers: request.headers });
    const action = intercept?.({ url: request.url, method: request.method, n: calls.length });
    if (action instanceof Response) return action;
    const response = await fetch(request);
    if (action === "drop") {
      await response.arrayBuffer(); // the server has answered; the client never sees it
      throw new TypeError("fetch failed", { cause: new Error("socket hang up (simulated)") });
    }
    return response;
  };
  return { fetch: wrapped, calls };
}

const envelope = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({ success: false, error: { code, message: code }, requestId: "req_fake" }),
    { status, headers: { "content-type": "application/json", ...headers } },
  );

describe("the whole flow", () => {
  it("create → waitForActive → cards.create → reveal, from a file path", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const sdk = client(tenant);
    const path = join(dir, "passport.jpg");
    await writeFile(path, jpeg());

    const created = await sdk.cardholders.create(holder({ docFront: path }));
    expect(created).toMatchObject({ success: true, holderStatus: "IN_REVIEW" });
    expect(typeof created.userId).toBe("string");

    const active = await sdk.cardholders.waitForActive(created.holderId, { intervalMs: 25 });
    expect(active).toMatchObject({
      holderId: created.holderId,
      status: "ACTIVE",
      canIssueCard: true,
    });

    const issued = await sdk.cards.create(card(created.holderId));
    expect(issued).toMatchObject({
      success: true,
      holderId: created.holderId,
      loadAmount: 20,
      replayed: false,
    });
    expect(issued.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(issued.uqpayCardId).toBeTruthy();

    // Right after issuing the card may still be pending: reveal waits for it, as the server says.
    const revealed = await sdk.cards.reveal(issued.uqpayCardId as string);
    expect(revealed.cardDetails.card_id).toBe(issued.uqpayCardId);
    expect(revealed.cardDetails.card_number).toMatch(/^\d{16}$/);
    expect(revealed.cardDetails.cvv).toMatch(/^\d{3}$/);
    expect(revealed.cardDetails.expiry_date).toMatch(/^\d{2}\/\d{2}$/);

    const retrieved = await sdk.cards.retrieve(issued.cardId);
    expect(retrieved).toMatchObject({ cardId: issued.cardId, status: "active", currency: "USD" });
    expect(retrieved.maskedNumber).not.toContain(revealed.cardDetails.card_number);

    const wallet = await sdk.wallet.balances();
    expect(wallet).toMatchObject({ success: true, mode: "test" });
    expect(await usd(sdk)).toBe(80);
  });

  it("uploads from a Buffer, a Node stream, a web stream, a Blob and a named part (JPEG, PNG, PDF)", async () => {
    const tenant = await cr.tenant();
    const sdk = client(tenant);
    const uploads = [
      png(),
      Readable.from([jpeg(100), Buffer.alloc(2000, 3)]),
      new Blob([pdf()]).stream(),
      new Blob([png()]),
      { data: Readable.from([pdf()]), filename: "id.pdf", contentType: "application/pdf" },
    ];
    for (const docFront of uploads) {
      const created = await sdk.cardholders.create(holder({ docFront, selfie: jpeg() }));
      expect(created.holderStatus).toBe("IN_REVIEW");
    }
    // A driving licence needs its back: both from streams.
    const licence = await sdk.cardholders.create(
      holder({
        kycDocType: "drivers_license",
        docFront: Readable.from([jpeg()]),
        docBack: Readable.from([png()]),
      }),
    );
    expect(licence.holderStatus).toBe("IN_REVIEW");
  });
});

describe("typed errors", () => {
  it("insufficient balance", async () => {
    const tenant = await cr.tenant({ fund: 10 });
    const sdk = client(tenant);
    const holderId = await activeHolder(sdk);
    const error = await sdk.cards.create(card(holderId, 20)).catch((e) => e);
    expect(error).toBeInstanceOf(InsufficientBalanceError);
    expect(error).toBeInstanceOf(CardrailError);
    expect(error).toMatchObject({ status: 402, code: "insufficient_balance" });
    expect(error.requestId).toBeTruthy();
    expect(error.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(await usd(sdk)).toBe(10);
  });

  it("validation errors expose the fields, for multipart and JSON", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const sdk = client(tenant);
    const error = await sdk.cardholders
      .create(holder({ firstName: " Asha", country: "XX", docFront: Buffer.from("#!/bin/sh\n") }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.status).toBe(400);
    const fields = (error as ValidationError).fields.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(["firstName", "country", "docFront"]));

    const holderId = await activeHolder(sdk);
    const json = await sdk.cards.create(card(holderId, 20.001)).catch((e) => e);
    expect(json).toBeInstanceOf(ValidationError);
    expect((json as ValidationError).fields).toEqual([
      expect.objectContaining({ field: "loadAmount" }),
    ]);
  });

  it("invalid credentials are not retried; not found; duplicate names the holder; under verification", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const spy = spyFetch();
    const wrong = new Cardrail({
      apiKey: tenant.headers["x-api-key"] as string,
      accessKey: "sk_test_wrong",
      baseUrl: cr.url,
      fetch: spy.fetch,
    });
    const denied = await wrong.wallet.balances().catch((e) => e);
    expect(denied).toBeInstanceOf(InvalidCredentialsError);
    expect(denied.status).toBe(401);
    expect(spy.calls).toHaveLength(1);

    const sdk = client(tenant);
    await expect(sdk.cards.retrieve("card_does_not_exist")).rejects.toBeInstanceOf(NotFoundError);
    await expect(sdk.cardholders.status("ch_nope")).rejects.toMatchObject({ code: "not_found" });

    const input = holder();
    const first = await sdk.cardholders.create(input);
    const duplicate = await sdk.cardholders.create({ ...input, docFront: jpeg() }).catch((e) => e);
    expect(duplicate).toBeInstanceOf(DuplicateCardholderError);
    expect((duplicate as DuplicateCardholderError).holderId).toBe(first.holderId);

    const inReview = await sdk.cardholders.create(holder({ kycIdNumber: "REVIEW123" }));
    await expect(sdk.cards.create(card(inReview.holderId))).rejects.toBeInstanceOf(
      CardholderUnderVerificationError,
    );
  });
});

describe("idempotency", () => {
  it("the same key twice replays the first card; a different request with it is refused", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const sdk = client(tenant);
    const holderId = await activeHolder(sdk);
    const key = `order-${randomBytes(4).toString("hex")}`;

    const first = await sdk.cards.create(card(holderId), { idempotencyKey: key });
    const second = await sdk.cards.create(card(holderId), { idempotencyKey: key });
    expect(first).toMatchObject({ idempotencyKey: key, replayed: false });
    expect(second).toMatchObject({ idempotencyKey: key, replayed: true, cardId: first.cardId });
    expect(await usd(sdk)).toBe(80);

    await expect(
      sdk.cards.create(card(holderId, 30), { idempotencyKey: key }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await cardsOf(tenant.tenantId)).toHaveLength(1);
  });

  it("the generated key is reused when the SDK retries a lost answer: one card, one debit", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const holderId = await activeHolder(client(tenant));
    let dropped = false;
    const spy = spyFetch(({ url, method }) => {
      if (method === "POST" && url.endsWith("/api/v1/cards") && !dropped) {
        dropped = true;
        return "drop";
      }
      return undefined;
    });
    const sdk = client(tenant, { fetch: spy.fetch });

    const issued = await sdk.cards.create(card(holderId));
    const posts = spy.calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(2);
    const keys = posts.map((c) => c.headers.get("idempotency-key"));
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    expect(issued).toMatchObject({ idempotencyKey: keys[0], replayed: true });
    expect(await cardsOf(tenant.tenantId)).toHaveLength(1);
    expect(await usd(sdk)).toBe(80);
  });

  it("a lost answer is retried with the same key on 409 in use and 503 too; retries can be turned off", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const holderId = await activeHolder(client(tenant));
    const spy = spyFetch(({ method, n }) => {
      if (method !== "POST") return undefined;
      if (n === 1) return envelope(409, "idempotency_key_in_use", { "retry-after": "0" });
      if (n === 2) return envelope(503, "upstream_unavailable", { "retry-after": "0" });
      return undefined;
    });
    const sdk = client(tenant, { fetch: spy.fetch });
    const issued = await sdk.cards.create(card(holderId));
    const keys = new Set(spy.calls.map((c) => c.headers.get("idempotency-key")));
    expect(spy.calls).toHaveLength(3);
    expect([...keys]).toEqual([issued.idempotencyKey]);
    expect(issued.replayed).toBe(false);

    const off = spyFetch(() => "drop");
    const noRetry = client(tenant, { fetch: off.fetch, maxRetries: 0 });
    const lost = await noRetry.cards.create(card(holderId)).catch((e) => e);
    expect(lost).toBeInstanceOf(CardrailConnectionError);
    expect(lost.idempotencyKey).toBe(off.calls[0]?.headers.get("idempotency-key"));
    // The server did issue that card: retrying with the key from the error replays it.
    const replay = await client(tenant).cards.create(card(holderId), {
      idempotencyKey: lost.idempotencyKey,
    });
    expect(replay.replayed).toBe(true);
    expect(await cardsOf(tenant.tenantId)).toHaveLength(2);
    expect(await usd(sdk)).toBe(60);
  });
});

describe("retries only where safe", () => {
  it("POST /cardholders: retried with the same Idempotency-Key after 503 or a lost answer: one cardholder; never after 500", async () => {
    const tenant = await cr.tenant();
    const unavailable = spyFetch(({ n }) =>
      n === 1 ? envelope(503, "upstream_unavailable", { "retry-after": "0" }) : undefined,
    );
    const created = await client(tenant, { fetch: unavailable.fetch }).cardholders.create(
      holder({ docFront: Readable.from([jpeg()]) }),
    );
    expect(created.holderStatus).toBe("IN_REVIEW");
    expect(unavailable.calls).toHaveLength(2);
    expect(new Set(unavailable.calls.map((c) => c.headers.get("idempotency-key")))).toEqual(
      new Set([created.idempotencyKey]),
    );

    // The first answer is lost after the server created the cardholder: the retry replays it.
    const lost = spyFetch(({ n }) => (n === 1 ? "drop" : undefined));
    const input = holder({ docFront: Readable.from([jpeg()]) });
    const replayed = await client(tenant, { fetch: lost.fetch }).cardholders.create(input);
    expect(lost.calls).toHaveLength(2);
    expect(lost.calls[1]?.headers.get("idempotency-key")).toBe(
      lost.calls[0]?.headers.get("idempotency-key"),
    );
    expect(replayed).toMatchObject({ replayed: true, holderStatus: "IN_REVIEW" });
    // The email is unique per tenant: the one cardholder with it is the replayed one.
    const again = await client(tenant)
      .cardholders.create({ ...input, docFront: jpeg() })
      .catch((e) => e);
    expect(again).toBeInstanceOf(DuplicateCardholderError);
    expect(again.holderId).toBe(replayed.holderId);

    const internal = spyFetch(() => envelope(500, "internal_error"));
    await expect(
      client(tenant, { fetch: internal.fetch }).cardholders.create(holder()),
    ).rejects.toMatchObject({ status: 500, code: "internal_error", requestId: "req_fake" });
    expect(internal.calls).toHaveLength(1);
  });

  it("GETs: retried on 5xx, 429 and lost answers, up to maxRetries", async () => {
    const tenant = await cr.tenant({ fund: 5 });
    const flaky = spyFetch(({ n }) => {
      if (n === 1) return envelope(502, "upstream_unavailable");
      if (n === 2) return envelope(429, "rate_limited", { "retry-after": "0" });
      if (n === 3) return "drop";
      return undefined;
    });
    expect(await usd(client(tenant, { fetch: flaky.fetch }))).toBe(5);
    expect(flaky.calls).toHaveLength(4);

    const down = spyFetch(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    const error = await client(tenant, { fetch: down.fetch, maxRetries: 1 })
      .wallet.balances()
      .catch((e) => e);
    expect(error).toBeInstanceOf(CardrailError);
    expect(error).toMatchObject({ status: 502, code: "unexpected_response" });
    expect(down.calls).toHaveLength(2);
  });
});

describe("reveal", () => {
  it("waits while the card is pending (card_not_active with Retry-After), not when it failed", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const sdk = client(tenant);
    const issued = await sdk.cards.create(card(await activeHolder(sdk)));
    await sdk.cards.reveal(issued.cardId); // now active: below, only the fake answers say otherwise
    const notYet = (status: string) =>
      new Response(
        JSON.stringify({
          success: false,
          error: { code: "card_not_active", message: "not yet", details: { status } },
        }),
        { status: 409, headers: { "retry-after": "0" } },
      );
    const pending = spyFetch(({ n }) => (n === 1 ? notYet("pending") : undefined));
    const revealed = await client(tenant, { fetch: pending.fetch }).cards.reveal(issued.cardId);
    expect(revealed.cardDetails.card_number).toMatch(/^\d{16}$/);
    expect(pending.calls).toHaveLength(2);

    const failed = spyFetch(() => notYet("failed"));
    await expect(
      client(tenant, { fetch: failed.fetch }).cards.reveal(issued.cardId),
    ).rejects.toMatchObject({ code: "card_not_active", status: 409 });
    expect(failed.calls).toHaveLength(1);
  });
});

describe("waitForActive", () => {
  it("rejects with CardholderRejectedError for a REJECT… holder", async () => {
    const sdk = client(await cr.tenant());
    const { holderId } = await sdk.cardholders.create(holder({ kycIdNumber: "REJECT123" }));
    const error = await sdk.cardholders.waitForActive(holderId, { intervalMs: 25 }).catch((e) => e);
    expect(error).toBeInstanceOf(CardholderRejectedError);
    expect(error).toMatchObject({ code: "cardholder_rejected", holderId });
  });

  it("aborts with an AbortError when its signal fires", async () => {
    const tenant = await cr.tenant();
    const { holderId } = await client(tenant).cardholders.create(
      holder({ kycIdNumber: "REVIEW999" }),
    );
    const controller = new AbortController();
    let polled!: () => void;
    const firstPoll = new Promise<void>((resolve) => {
      polled = resolve;
    });
    const spy = spyFetch(() => {
      queueMicrotask(polled);
      return undefined;
    });
    const waiting = client(tenant, { fetch: spy.fetch })
      .cardholders.waitForActive(holderId, { intervalMs: 60_000, signal: controller.signal })
      .catch((e) => e);
    await firstPoll;
    controller.abort();
    const error = await waiting;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("AbortError");
  });

  it("gives up with CardrailTimeoutError", async () => {
    const sdk = client(await cr.tenant());
    const { holderId } = await sdk.cardholders.create(holder({ kycIdNumber: "REVIEW777" }));
    await expect(
      sdk.cardholders.waitForActive(holderId, { timeoutMs: 100, intervalMs: 20 }),
    ).rejects.toBeInstanceOf(CardrailTimeoutError);
  });
});

describe("hostile surroundings", () => {
  it("never follows a redirect: the access key does not travel to where it points", async () => {
    const tenant = await cr.tenant();
    const seen: (string | undefined)[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers["x-access-key"] as string | undefined);
      res.end("{}");
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    const redirector = createServer((req, res) => {
      res.writeHead(307, { location: `${target}${req.url}` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    try {
      const sdk = new Cardrail({
        apiKey: tenant.headers["x-api-key"] as string,
        accessKey: tenant.headers["x-access-key"] as string,
        baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`,
        maxRetries: 0,
      });
      await expect(sdk.wallet.balances()).rejects.toBeInstanceOf(CardrailConnectionError);
      expect(seen).toEqual([]);
    } finally {
      await new Promise((resolve) => redirector.close(resolve));
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it("an Idempotency-Key the server would refuse is refused before anything is sent", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const spy = spyFetch();
    const sdk = client(tenant, { fetch: spy.fetch });
    for (const idempotencyKey of ["", "two words", "line\nbreak", "x".repeat(256)]) {
      await expect(sdk.cards.create(card("ch_any"), { idempotencyKey })).rejects.toBeInstanceOf(
        TypeError,
      );
    }
    expect(spy.calls).toHaveLength(0);
  });

  it("an id of . or .. is refused: URL resolution would send it to another route", async () => {
    const sdk = client(await cr.tenant());
    await expect(sdk.cards.retrieve("..")).rejects.toBeInstanceOf(TypeError);
    await expect(sdk.events.retrieve(".")).rejects.toBeInstanceOf(TypeError);
  });
});
