import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail } from "../../../test/fixtures/cardrail.ts";
import { jpeg, png } from "../../../test/fixtures/files.ts";
import {
  type CardholderStatusResponse,
  Cardrail,
  type CardrailEvent,
  KycAlreadyDecidedError,
  OPERATIONS,
  verifyWebhook,
} from "../src/index.ts";

/** Every operation of the committed contract under /api/v1, as "METHOD /path". */
const contract = JSON.parse(
  readFileSync(new URL("../../../openapi.json", import.meta.url), "utf8"),
) as { paths: Record<string, Record<string, unknown>> };
const METHODS = ["get", "put", "post", "delete", "patch"];
const contractOperations = Object.entries(contract.paths)
  .filter(([path]) => path.startsWith("/api/v1/"))
  .flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
  )
  .sort();

/** The contract's operation a request went to; a literal path wins over a template ({id}). */
function operationOf(method: string, url: string): string | undefined {
  const { pathname } = new URL(url);
  const matches = contractOperations.filter((op) => {
    const [m, template] = op.split(" ") as [string, string];
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return m === method && pattern.test(pathname);
  });
  return matches.sort((a, b) => a.split("{").length - b.split("{").length)[0];
}

let cr: TestCardrail;
const deliveries: { headers: IncomingHttpHeaders; raw: Buffer }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    deliveries.push({ headers: req.headers, raw: Buffer.concat(chunks) });
    res.end("ok");
  });
});

beforeAll(async () => {
  cr = await startCardrail({ WEBHOOK_POLL_INTERVAL_MS: "20" });
  cr.runtime.startSweeps(); // the delivery worker
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await cr?.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Polls until `done` holds (each poll is a real request; no fixed sleeps decide the outcome). */
async function until<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean) {
  for (let i = 0; i < 400; i++) {
    const value = await get();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const holder = (kycIdNumber: string) => {
  const unique = randomBytes(5).toString("hex");
  return {
    email: `ops.${unique}@example.com`,
    firstName: "Asha",
    lastName: "Rao",
    country: "IN",
    mobile: `9${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`,
    kycDocType: "passport" as const,
    kycIdNumber: `${kycIdNumber}${unique}`,
    kycExpiryDate: "2031-05-01",
    docFront: jpeg(),
  };
};

describe("every operation of openapi.json is an SDK method", () => {
  it("the method table names exactly the contract's operations, each a function of the client", () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(contractOperations);
    const sdk = new Cardrail({ apiKey: "dk_test_x", accessKey: "sk_test_x" });
    for (const method of Object.values(OPERATIONS)) {
      const [group, name] = method.split(".") as [string, string];
      const fn = (sdk as unknown as Record<string, Record<string, unknown>>)[group]?.[name];
      expect(typeof fn, method).toBe("function");
    }
  });

  it("calling every method against a real Cardrail reaches every operation, each through its own method", async () => {
    const tenant = await cr.tenant({ fund: 100 });
    const hits: { method: string; url: string }[] = [];
    const sdk = new Cardrail({
      apiKey: tenant.headers["x-api-key"] as string,
      accessKey: tenant.headers["x-access-key"] as string,
      baseUrl: cr.url,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        hits.push({ method: request.method, url: request.url });
        return fetch(request);
      },
    });
    const reached = new Map<string, string>();
    /** Runs one SDK method and records which operations it sent requests to. */
    async function via<T>(method: string, run: () => Promise<T>): Promise<T> {
      const from = hits.length;
      const result = await run();
      for (const hit of hits.slice(from)) {
        const operation = operationOf(hit.method, hit.url);
        expect(operation, `${hit.method} ${hit.url}`).toBeDefined();
        reached.set(operation as string, method);
      }
      return result;
    }

    const endpoint = await via("webhookEndpoints.create", () =>
      sdk.webhookEndpoints.create({
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        events: ["*"],
      }),
    );
    expect(endpoint.secret).toBeTruthy();
    const list = await via("webhookEndpoints.list", () => sdk.webhookEndpoints.list());
    expect(list.data.map((e) => e.id)).toEqual([endpoint.id]);

    // A cardholder the issuer asks to resubmit (INCOMPLETE…), then new documents for it.
    const incomplete = await via("cardholders.create", () =>
      sdk.cardholders.create(holder("INCOMPLETE")),
    );
    await until(
      "the issuer to ask for documents",
      () => via("cardholders.status", () => sdk.cardholders.status(incomplete.holderId)),
      (s: CardholderStatusResponse) => (s.missingFields?.length ?? 0) > 0,
    );
    const resubmitted = await via("cardholders.resubmitDocuments", () =>
      sdk.cardholders.resubmitDocuments(incomplete.holderId, {
        docFront: png(),
        kycIdNumber: "P7654321",
      }),
    );
    expect(resubmitted).toMatchObject({ success: true, holderId: incomplete.holderId });

    const { holderId } = await sdk.cardholders.create(holder("P"));
    await via("cardholders.status", () =>
      sdk.cardholders.waitForActive(holderId, { intervalMs: 25, timeoutMs: 20_000 }),
    );
    // A decided cardholder needs no documents: the contract's kyc_already_decided, typed.
    const decided = await sdk.cardholders
      .resubmitDocuments(holderId, { docFront: jpeg() })
      .catch((e) => e);
    expect(decided).toBeInstanceOf(KycAlreadyDecidedError);
    expect(decided).toMatchObject({ status: 409, code: "kyc_already_decided" });

    const card = await via("cards.create", () =>
      sdk.cards.create({ holderId, card_product_id: "111031", currency: "USD", loadAmount: 20 }),
    );
    await via("cards.retrieve", () => sdk.cards.retrieve(card.cardId));
    const revealed = await via("cards.reveal", () => sdk.cards.reveal(card.cardId));
    const token = await via("cards.createRevealToken", () =>
      sdk.cards.createRevealToken(card.cardId),
    );
    const redeemed = await via("cards.redeemRevealToken", () =>
      sdk.cards.redeemRevealToken(token.token),
    );
    expect(redeemed.cardDetails).toEqual(revealed.cardDetails);
    const wallet = await via("wallet.balances", () => sdk.wallet.balances());
    expect(wallet.balances).toEqual([{ currency: "USD", balance: 80 }]);

    const page = await via("events.list", () => sdk.events.list({ type: "card.created" }));
    const created = page.data.find((e: CardrailEvent) => e.data.cardId === card.cardId);
    expect(created).toBeDefined();
    const event = await via("events.retrieve", () => sdk.events.retrieve(created?.id as string));
    expect(event.id).toBe(created?.id);
    const redelivery = await via("events.redeliver", () =>
      sdk.events.redeliver(event.id, { endpointId: endpoint.id }),
    );
    expect(redelivery.scheduled.map((s) => s.endpointId)).toEqual([endpoint.id]);

    // What the endpoint received verifies with its secret, through the SDK's verifyWebhook.
    const delivery = await until(
      "the card.created delivery",
      async () => deliveries.find((d) => JSON.parse(d.raw.toString()).id === event.id) ?? undefined,
      (d) => d !== undefined,
    );
    const verified = verifyWebhook<{ id: string; type: string }>({
      payload: delivery?.raw as Buffer,
      header: delivery?.headers["cardrail-signature"],
      secret: endpoint.secret,
    });
    expect(verified).toMatchObject({ id: event.id, type: "card.created" });

    const deleted = await via("webhookEndpoints.delete", () =>
      sdk.webhookEndpoints.delete(endpoint.id),
    );
    expect(deleted).toMatchObject({ id: endpoint.id, deleted: true });

    expect([...reached.keys()].sort()).toEqual(contractOperations);
    for (const [operation, method] of reached) {
      expect(method, operation).toBe(OPERATIONS[operation as keyof typeof OPERATIONS]);
    }
  });
});
