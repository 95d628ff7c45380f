import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startCardrail,
  type TestCardrail,
  type TestTenant,
} from "../../../test/fixtures/cardrail.ts";
import { jpeg } from "../../../test/fixtures/files.ts";
import { Cardrail } from "../src/index.ts";

let cr: TestCardrail;
beforeAll(async () => {
  cr = await startCardrail();
});
afterAll(async () => {
  await cr?.close();
});

type Fetch = typeof fetch;

/** A client whose fetch records each request and can drop the answer of the ones `drop` picks. */
function client(tenant: TestTenant, drop: (request: Request) => boolean = () => false) {
  const sent: Request[] = [];
  const sdk = new Cardrail({
    apiKey: tenant.headers["x-api-key"] as string,
    accessKey: tenant.headers["x-access-key"] as string,
    baseUrl: cr.url,
    fetch: (async (input, init) => {
      const request = new Request(input, init);
      sent.push(request.clone());
      const response = await fetch(request);
      if (!drop(request)) return response;
      await response.arrayBuffer(); // the server has acted; the client never hears of it
      throw new TypeError("fetch failed", { cause: new Error("socket hang up (simulated)") });
    }) as Fetch,
  });
  return { sdk, sent };
}

async function activeHolder(sdk: Cardrail): Promise<string> {
  const unique = randomBytes(5).toString("hex");
  const { holderId } = await sdk.cardholders.create({
    email: `lists.${unique}@example.com`,
    firstName: "Asha",
    lastName: "Rao",
    country: "IN",
    mobile: `9${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`,
    kycDocType: "passport",
    kycIdNumber: `P${unique}`,
    kycExpiryDate: "2031-05-01",
    docFront: jpeg(),
  });
  await sdk.cardholders.waitForActive(holderId, { intervalMs: 25, timeoutMs: 20_000 });
  return holderId;
}

const issue = (sdk: Cardrail, holderId: string) =>
  sdk.cards.create({ holderId, card_product_id: "111031", currency: "USD", loadAmount: 1 });

const pagesOf = (sent: Request[], path: string) =>
  sent.filter((r) => r.method === "GET" && new URL(r.url).pathname === `/api/v1${path}`);

describe("list iterators", () => {
  it("cards.listAll walks every page once: each card exactly once, none created during the walk", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const { sdk, sent } = client(tenant);
    const holderId = await activeHolder(sdk);
    const issued: string[] = [];
    for (let i = 0; i < 5; i++) issued.push((await issue(sdk, holderId)).cardId);

    const walked: string[] = [];
    let addedDuringWalk: string | undefined;
    for await (const card of sdk.cards.listAll({ holderId, limit: 2 })) {
      walked.push(card.cardId);
      // A card created after the first page must not push an unread one onto a read page.
      if (!addedDuringWalk) addedDuringWalk = (await issue(sdk, holderId)).cardId;
    }

    expect(walked).toEqual([...issued].reverse()); // newest first, no duplicates, none missing
    expect(walked).not.toContain(addedDuringWalk);
    const pages = pagesOf(sent, "/cards");
    expect(pages).toHaveLength(3); // 2 + 2 + 1
    expect(new URL(pages[0]?.url as string).searchParams.get("cursor")).toBeNull();
    const cursors = pages.slice(1).map((r) => new URL(r.url).searchParams.get("cursor"));
    expect(new Set(cursors).size).toBe(2);
    for (const r of pages) expect(new URL(r.url).searchParams.get("holderId")).toBe(holderId);
  });

  it("a break fetches no further page", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const { sdk, sent } = client(tenant);
    const holderId = await activeHolder(sdk);
    for (let i = 0; i < 3; i++) await issue(sdk, holderId);
    for await (const _card of sdk.cards.listAll({ limit: 1 })) break;
    expect(pagesOf(sent, "/cards")).toHaveLength(1);
  });

  it("the other lists walk to the same items as one big page: cardholders, wallet, transactions, events", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const { sdk } = client(tenant);
    const holderId = await activeHolder(sdk);
    await activeHolder(sdk);
    const card = await issue(sdk, holderId);
    await issue(sdk, holderId);
    const purchase = { amount: 0.25, currency: "USD", merchant: { name: "Tea", mcc: "5812" } };
    for (let i = 0; i < 3; i++) await sdk.testHelpers.authorize(card.cardId, purchase);

    const ids = async <T>(items: AsyncIterable<T>, key: (item: T) => string) => {
      const out: string[] = [];
      for await (const item of items) out.push(key(item));
      return out;
    };
    const holders = await ids(sdk.cardholders.listAll({ limit: 1 }), (h) => h.holderId);
    expect(holders).toEqual(
      (await sdk.cardholders.list({ limit: 100 })).data.map((h) => h.holderId),
    );
    expect(holders).toHaveLength(2);

    const ledger = await ids(sdk.wallet.transactionsAll({ limit: 2 }), (t) => t.id);
    expect(ledger).toEqual((await sdk.wallet.transactions({ limit: 100 })).data.map((t) => t.id));
    expect(new Set(ledger).size).toBe(ledger.length);
    expect(ledger.length).toBeGreaterThanOrEqual(3); // funding and two cards

    const txns = await ids(sdk.transactions.listAll({ limit: 2 }), (t) => t.id);
    expect(txns).toEqual((await sdk.transactions.list({ limit: 100 })).data.map((t) => t.id));
    expect(txns).toHaveLength(3);
    const ofCard = await ids(sdk.cards.transactionsAll(card.cardId, { limit: 2 }), (t) => t.id);
    expect(ofCard).toEqual(txns);

    const events = await ids(sdk.events.listAll({ limit: 2 }), (e) => e.id);
    expect(events).toEqual((await sdk.events.list({ limit: 100 })).data.map((e) => e.id));
    expect(new Set(events).size).toBe(events.length);
    expect(events.length).toBeGreaterThan(2);
  });

  it("refuses to loop on a page that says hasMore but gives the same cursor again", async () => {
    const page = { success: true, data: [], hasMore: true, nextCursor: "c1" };
    const sdk = new Cardrail({
      apiKey: "dk_test_x",
      accessKey: "sk_test_x",
      fetch: (async () =>
        new Response(JSON.stringify(page), {
          headers: { "content-type": "application/json" },
        })) as Fetch,
    });
    const walk = async () => {
      for await (const _ of sdk.cards.listAll()) {
      }
    };
    await expect(walk()).rejects.toThrow(/hasMore but gives no new way/);
  });
});

describe("top-ups and withdrawals keep their Idempotency-Key across the SDK's own retries", () => {
  it("a lost answer is retried with the same key: the money moves once", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const dropped = new Set<string>();
    const { sdk, sent } = client(tenant, (r) => {
      const path = new URL(r.url).pathname;
      if (r.method !== "POST" || !/\/(top-ups|withdrawals)$/.test(path) || dropped.has(path)) {
        return false;
      }
      dropped.add(path);
      return true;
    });
    const card = await issue(sdk, await activeHolder(sdk));
    // Money moves only on an active card: the issuer activates a new one shortly after creating it.
    for (let i = 0; i < 400 && (await sdk.cards.retrieve(card.cardId)).status !== "active"; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }

    const topUp = await sdk.cards.topUp(card.cardId, { amount: 10 });
    const withdrawal = await sdk.cards.withdraw(card.cardId, { amount: 4 });

    for (const [suffix, result] of [
      ["/top-ups", topUp],
      ["/withdrawals", withdrawal],
    ] as const) {
      const posts = sent.filter((r) => r.method === "POST" && r.url.endsWith(suffix));
      expect(posts).toHaveLength(2);
      const keys = posts.map((r) => r.headers.get("idempotency-key"));
      expect(keys[0]).toBeTruthy();
      expect(keys[1]).toBe(keys[0]);
      expect(result).toMatchObject({ idempotencyKey: keys[0], replayed: true });
    }
    const moves = (await sdk.wallet.transactions()).data.filter((t) => t.cardId === card.cardId);
    expect(moves.filter((t) => t.type === "top_up")).toHaveLength(1);
    expect(moves.filter((t) => t.type === "withdrawal").length).toBeLessThanOrEqual(1);
  });
});
