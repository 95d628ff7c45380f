import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, launchBrowser } from "../fixtures/browser.ts";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { activeHolder, issueCard } from "../fixtures/flows.ts";

/**
 * The browser reveal flow as a tenant builds it: its page (another origin) fetches the card
 * details with a single-use token. Only origins in REVEAL_ALLOWED_ORIGINS may read the answer.
 */

/** A page server standing for a tenant's site: any path serves an empty HTML page. */
async function site(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>shop</title>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.runIf(browserAvailable)("reveal tokens redeemed from a browser", () => {
  let cardrail: TestCardrail;
  let browser: Browser;
  let tenant: TestTenant;
  let cardId: string;
  let allowed: Awaited<ReturnType<typeof site>>;
  let other: Awaited<ReturnType<typeof site>>;

  beforeAll(async () => {
    allowed = await site();
    other = await site();
    cardrail = await startCardrail({ REVEAL_ALLOWED_ORIGINS: allowed.origin });
    tenant = await cardrail.tenant({ fund: 50 });
    const card = await issueCard(tenant, { holderId: await activeHolder(tenant), loadAmount: 5 });
    expect(card.status, JSON.stringify(card.body)).toBe(201);
    cardId = card.body.cardId;
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cardrail?.close();
    allowed?.server.close();
    other?.server.close();
  });

  async function token(): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const res = await tenant.api(`/api/v1/cards/${cardId}/reveal-token`, { method: "POST" });
      if (res.status === 201) return res.body.token;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("card never became active");
  }

  /** Runs fetch() in a page of `origin`; resolves with the body, or with the error's text. */
  async function redeemFrom(origin: string, url: string, init: RequestInit = {}) {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      return await page.evaluate(
        async ([target, options]) => {
          try {
            const response = await fetch(target, options);
            return { status: response.status, body: await response.json() };
          } catch (error) {
            return { error: String(error) };
          }
        },
        [url, init] as const,
      );
    } finally {
      await page.close();
    }
  }

  it("lets an allowed origin's page read the card details, once", async () => {
    const url = `${cardrail.url}/api/v1/cards/reveal?token=${encodeURIComponent(await token())}`;
    const first = await redeemFrom(allowed.origin, url);
    expect(first).toMatchObject({ status: 200, body: { success: true } });
    expect(
      (first as { body: { cardDetails: { card_number: string } } }).body.cardDetails.card_number,
    ).toMatch(/^\d{16}$/);
    // Used: the page can read the refusal too (CORS headers on errors as well).
    expect(await redeemFrom(allowed.origin, url)).toMatchObject({ status: 404 });
  }, 60_000);

  it("works when the page's request needs a preflight (custom header)", async () => {
    const url = `${cardrail.url}/api/v1/cards/reveal?token=${encodeURIComponent(await token())}`;
    const result = await redeemFrom(allowed.origin, url, { headers: { "x-request-id": "shop-1" } });
    expect(result).toMatchObject({ status: 200, body: { success: true } });
  }, 60_000);

  it("refuses any other origin: the browser cannot read the answer", async () => {
    const url = `${cardrail.url}/api/v1/cards/reveal?token=${encodeURIComponent(await token())}`;
    const result = await redeemFrom(other.origin, url);
    expect(result).toMatchObject({ error: expect.stringMatching(/Failed to fetch/) });
  }, 60_000);

  it("answers the preflight, and names only allowed origins as frame ancestors", async () => {
    const preflight = await fetch(`${cardrail.url}/api/v1/cards/reveal?token=x`, {
      method: "OPTIONS",
      headers: { origin: allowed.origin, "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(allowed.origin);
    const refused = await fetch(`${cardrail.url}/api/v1/cards/reveal?token=x`, {
      headers: { origin: other.origin },
    });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect(refused.headers.get("content-security-policy")).toContain(
      `frame-ancestors ${allowed.origin}`,
    );
    // Every other route keeps the strict policy: no CORS at all.
    const wallet = await fetch(`${cardrail.url}/api/v1/wallet`, {
      headers: { ...tenant.headers, origin: allowed.origin },
    });
    expect(wallet.headers.get("access-control-allow-origin")).toBeNull();
  });
});
