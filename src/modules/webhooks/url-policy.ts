import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Where a tenant's webhook may go. With private URLs refused, a tenant must not make Cardrail call
 * its own database, cloud metadata (169.254.169.254) or any other internal service (SSRF), nor map
 * the internal network through delivery errors (a refused URL is refused before any connection, so
 * GET /events/:id cannot tell a closed port from an open one).
 *
 * Classification is an allowlist, by ipaddr.js (which parses every textual form): an IPv4 address
 * is public only in its "unicast" range (not private, loopback, link-local, CGNAT, multicast,
 * broadcast, reserved, benchmarking…); an IPv6 address only in global unicast 2000::/3 and outside
 * every special range, so IPv4-mapped, IPv4-compatible (::/96), NAT64 (64:ff9b::/96), 6to4
 * (2002::/16), Teredo, site-local (fec0::/10), unique-local, link-local, multicast and unspecified
 * forms are all refused, whatever IPv4 they embed. The URL parser already turned decimal, octal
 * and hex IPv4 hosts (http://2130706433/, 0x7f.1, 0177.0.0.1) into dotted form.
 */

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

/** True for every address a webhook must not reach, and for anything that is not an address. */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return true;
  }
  if (parsed.kind() === "ipv4") return parsed.range() !== "unicast";
  const v6 = parsed as ipaddr.IPv6;
  if (v6.zoneId) return true; // a scoped (fe80::1%eth0) address is local by definition
  return !v6.match(GLOBAL_UNICAST_V6) || v6.range() !== "unicast";
}

/** 127.0.0.0/8 and ::1 only (the local-development allowance, WEBHOOK_ALLOW_PRIVATE_URLS=loopback). */
export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 0) return false; // also refuses scoped (fe80::1%eth0) forms
  return ipaddr.parse(address).range() === "loopback";
}

/** A syntactic problem with an endpoint URL, or null. Never touches the network. */
export function urlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must use http or https";
  if (url.username || url.password) return "must not contain credentials";
  if (url.hash) return "must not contain a #fragment";
  return null;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** How host names are resolved: every address of the name (injected in tests to play DNS rebinding). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** The URL's host without IPv6 brackets and without a trailing dot (`localhost.` is `localhost`). */
export function urlHost(raw: string): string {
  return new URL(raw).hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "");
}

export type Destination = { ok: true; address: ResolvedAddress } | { ok: false; problem: string };

/**
 * Resolves the URL's host ONCE and returns the address to connect to. With `allowPrivate` false,
 * every address the name resolves to must be public (a public name pointing at 10.0.0.5 is as
 * private as 10.0.0.5), and the caller connects to exactly the returned address: a DNS answer that
 * changes between this check and the connection (rebinding) is never asked for.
 */
export async function resolveDestination(
  raw: string,
  options: DestinationPolicy & { allowPrivate: boolean },
): Promise<Destination> {
  const host = urlHost(raw);
  const refuse = (problem: string): Destination => ({ ok: false, problem });
  const localName = host === "localhost" || host.endsWith(".localhost");
  if (!options.allowPrivate && !options.allowLoopback && localName)
    return refuse("must not point at localhost");
  let addresses: ResolvedAddress[];
  const literal = isIP(host);
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch {
      return refuse("host name does not resolve");
    }
  }
  const first = addresses[0];
  if (!first) return refuse("host name does not resolve");
  const refused = (address: string) =>
    isPrivateAddress(address) && !(options.allowLoopback && isLoopbackAddress(address));
  if (!options.allowPrivate && addresses.some((a) => refused(a.address)))
    return refuse(
      options.allowLoopback
        ? "must not point at a private or link-local address (only loopback is allowed here)"
        : "must not point at a private, loopback or link-local address",
    );
  return { ok: true, address: first };
}

export interface DestinationPolicy {
  /** Loopback (127.0.0.0/8, ::1, localhost) is allowed although other private addresses are not. */
  allowLoopback?: boolean;
  resolve?: Resolver;
}

/** Why the URL's host is refused as private, or null (registration; delivery re-checks and pins). */
export async function privateHostProblem(
  raw: string,
  policy: DestinationPolicy = {},
): Promise<string | null> {
  const destination = await resolveDestination(raw, { ...policy, allowPrivate: false });
  return destination.ok ? null : destination.problem;
}
