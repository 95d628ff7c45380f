import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "./signing.ts";
import { isPrivateAddress, urlProblem } from "./url-policy.ts";

describe("URL policy", () => {
  it("knows private, loopback, link-local and mapped addresses", () => {
    for (const ip of [
      "127.0.0.1",
      "10.0.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "not-an-ip",
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700::1111"])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it("accepts only plain http(s) URLs", () => {
    expect(urlProblem("https://example.com/hook?x=1")).toBeNull();
    expect(urlProblem("http://127.0.0.1:8080/")).toBeNull();
    for (const bad of [
      "ftp://x.com/",
      "javascript:alert(1)",
      "https://u:p@x.com/",
      "https://x.com/#f",
      "x.com/hook",
    ])
      expect(urlProblem(bad), bad).not.toBeNull();
  });
});

describe("signatures", () => {
  it("round-trips and refuses tampering, other secrets and stale timestamps", () => {
    const body = '{"id":"evt_1"}';
    const now = 1_795_000_000;
    const header = signatureHeader("whsec_a", body, now);
    expect(verifySignature({ secret: "whsec_a", rawBody: body, header, now })).toBe(true);
    expect(verifySignature({ secret: "whsec_b", rawBody: body, header, now })).toBe(false);
    expect(verifySignature({ secret: "whsec_a", rawBody: `${body} `, header, now })).toBe(false);
    expect(verifySignature({ secret: "whsec_a", rawBody: body, header, now: now + 301 })).toBe(
      false,
    );
    expect(verifySignature({ secret: "whsec_a", rawBody: body, header: null, now })).toBe(false);
  });
});
