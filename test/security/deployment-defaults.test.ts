import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig, webhookUrlPolicy } from "../../src/config.ts";

/**
 * The shipped deployment refuses private webhook URLs (SSRF into cloud metadata and the internal
 * network), and so does any configuration that does not ask for them explicitly, except the
 * embedded development database, which allows loopback only.
 */
const root = new URL("../../", import.meta.url);

describe("deployment defaults for webhook URLs", () => {
  it("docker-compose.yml refuses private webhook URLs", async () => {
    const compose = parse(await readFile(new URL("docker-compose.yml", root), "utf8"));
    const env = compose.services.cardrail.environment;
    expect(env.WEBHOOK_ALLOW_PRIVATE_URLS).toBe("false");
    expect(webhookUrlPolicy(loadConfig(env))).toEqual({
      allowPrivateUrls: false,
      allowLoopbackUrls: false,
    });
  });

  it("the Dockerfile's environment refuses them too (docker run without compose)", async () => {
    const dockerfile = await readFile(new URL("Dockerfile", root), "utf8");
    const env = Object.fromEntries(
      [...dockerfile.matchAll(/^\s*(?:ENV\s+)?([A-Z_]+)=(\S+?)\s*\\?$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(env.WEBHOOK_ALLOW_PRIVATE_URLS).toBe("false");
    expect(env.NODE_ENV).toBe("production");
  });

  it("unset: refused with PostgreSQL or NODE_ENV=production; loopback only on the embedded dev database", () => {
    const policy = (env: Record<string, string>) => webhookUrlPolicy(loadConfig(env));
    const refuse = { allowPrivateUrls: false, allowLoopbackUrls: false };
    expect(policy({ DATABASE_URL: "postgres://u@db:5432/x" })).toEqual(refuse);
    expect(policy({ NODE_ENV: "production" })).toEqual(refuse);
    expect(policy({})).toEqual({ allowPrivateUrls: false, allowLoopbackUrls: true });
    expect(policy({ WEBHOOK_ALLOW_PRIVATE_URLS: "false" })).toEqual(refuse);
    expect(policy({ WEBHOOK_ALLOW_PRIVATE_URLS: "true", NODE_ENV: "production" })).toEqual({
      allowPrivateUrls: true,
      allowLoopbackUrls: true,
    });
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: "sometimes" })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE_URLS/,
    );
  });
});

describe("the Docker image runs the compiled service", () => {
  it("as node itself (signals reach it), without tsx or dev dependencies", async () => {
    const dockerfile = await readFile(new URL("Dockerfile", root), "utf8");
    const cmd = dockerfile.match(/^CMD (.+)$/m)?.[1] ?? "";
    expect(JSON.parse(cmd)).toEqual(["node", "--enable-source-maps", "dist/main.js"]);
    const runStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(runStage).toContain("npm ci --omit=dev");
    expect(runStage).not.toMatch(/tsx|--include=dev/);
  });
});

describe("a public pepper is refused where it would protect nothing", () => {
  it("production on PostgreSQL needs CARDRAIL_KEY_PEPPER; compose requires it", async () => {
    const env = { NODE_ENV: "production", DATABASE_URL: "postgres://x@127.0.0.1/x" };
    expect(() => loadConfig(env)).toThrow(/CARDRAIL_KEY_PEPPER: required in production/);
    expect(() => loadConfig({ ...env, CARDRAIL_KEY_PEPPER: "p".repeat(32) })).not.toThrow();
    const compose = parse(await readFile(new URL("docker-compose.yml", root), "utf8"));
    expect(compose.services.cardrail.environment.CARDRAIL_KEY_PEPPER).toMatch(
      /^\$\{CARDRAIL_KEY_PEPPER:\?/,
    );
  });
});
