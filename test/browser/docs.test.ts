import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, launchBrowser } from "../fixtures/browser.ts";
import { startCardrail, type TestCardrail } from "../fixtures/cardrail.ts";

/**
 * /docs as a new user opens it: in a real browser, with the page's CSP bypassed so that any attempt
 * to reach another host shows up as a request (the CSP would otherwise hide it as a console error).
 */
describe.runIf(browserAvailable)("/docs in a browser", () => {
  let cardrail: TestCardrail;
  let browser: Browser;
  beforeAll(async () => {
    cardrail = await startCardrail();
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cardrail?.close();
  });

  it("makes no request to another host, offers no upload, and its samples name this host", async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const origin = new URL(cardrail.url).origin;
    const elsewhere: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith("data:") || url.startsWith("blob:")) {
        return route.continue();
      }
      elsewhere.push(url);
      return route.abort();
    });

    await page.goto(`${cardrail.url}/docs/`, { waitUntil: "networkidle" });
    // Open an operation as a reader would, and read its curl sample.
    await page.getByRole("button", { name: "cards" }).first().click();
    await page.getByText("Issue a virtual card").first().click();
    await page.waitForLoadState("networkidle");
    const text = await page.locator("body").innerText();

    expect(elsewhere).toEqual([]);
    expect(text).not.toMatch(/Ask AI|Deploy/);
    expect(text).toContain(`curl ${origin}/api/v1/cards`);
    expect(text).not.toContain("localhost:3000");
    await context.close();
  }, 60_000);
});
