import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BlockList } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ClaimedDelivery, sendDelivery } from "./deliver.ts";
import {
  isPrivateAddress,
  privateHostProblem,
  type Resolver,
  resolveDestination,
} from "./url-policy.ts";

/** An independent oracle: the IANA special-purpose IPv4 ranges, in Node's BlockList. */
const specialV4 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.31.196.0", 24],
  ["192.52.193.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["192.175.48.0", 24],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 3], // multicast, reserved, broadcast
] as const)
  specialV4.addSubnet(net, bits, "ipv4");

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
const hex16 = (n: number) => n.toString(16);
const v4AsV6Tail = (ip: string) => {
  const [a, b, c, d] = ip.split(".").map(Number) as [number, number, number, number];
  return `${hex16(a * 256 + b)}:${hex16(c * 256 + d)}`;
};

describe("IP classification (property-based)", () => {
  it("an IPv4 address is refused exactly when it is in a special-purpose range", () => {
    fc.assert(
      fc.property(v4, (ip) => {
        expect(isPrivateAddress(ip), ip).toBe(specialV4.check(ip, "ipv4"));
      }),
      { numRuns: 5000 },
    );
  });

  it("every IPv6 form that embeds an IPv4 address is refused, whatever the IPv4", () => {
    fc.assert(
      fc.property(v4, fc.nat(0xffff), (ip, x) => {
        const forms = [
          `::ffff:${ip}`, // IPv4-mapped
          `::ffff:${v4AsV6Tail(ip)}`,
          `::ffff:0:${ip}`, // SIIT (RFC 6145)
          `::${ip}`, // IPv4-compatible (deprecated)
          `::${v4AsV6Tail(ip)}`,
          `64:ff9b::${ip}`, // NAT64
          `64:ff9b:1::${v4AsV6Tail(ip)}`,
          `2002:${v4AsV6Tail(ip)}::${hex16(x)}`, // 6to4
          `2001:0:${hex16(x)}::${v4AsV6Tail(ip)}`, // Teredo
        ];
        for (const form of forms) expect(isPrivateAddress(form), form).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("IPv6 outside global unicast (2000::/3) is always refused: unique-local, link-local, site-local, multicast…", () => {
    const group = fc.nat(0xffff).map(hex16);
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const first = Number.parseInt(groups[0] ?? "0", 16);
        const address = groups.join(":");
        if (first < 0x2000 || first > 0x3fff) expect(isPrivateAddress(address), address).toBe(true);
      }),
      { numRuns: 5000 },
    );
    for (const ip of [
      "fec0::1",
      "feff::1",
      "fc00::1",
      "fdff::1",
      "fe80::1",
      "ff02::1",
      "::",
      "::1",
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ["2606:4700::1111", "2a00:1450:4001:80b::200e"])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it("refuses anything that is not an address", () => {
    for (const text of ["", "localhost", "127.1", "1.2.3.4.5", "::ffff:999.0.0.1", "fe80::1%eth0"])
      expect(isPrivateAddress(text), text).toBe(true);
  });
});

describe("URLs refused at registration", () => {
  const noDns: Resolver = async () => {
    throw new Error("no DNS in this test");
  };

  it("every literal and spelling of an internal address, and localhost with a trailing dot", async () => {
    for (const url of [
      "http://[::7f00:1]/",
      "http://[::ffff:0:7f00:1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[fec0::1]/",
      "http://[2002:7f00:1::1]/",
      "http://[64:ff9b::7f00:1]/",
      "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
      "http://2130706433/",
      "http://0x7f.1/",
      "http://0177.0.0.1/",
      "http://169.254.169.254./latest/meta-data/",
      "http://localhost./",
      "http://api.localhost./",
      "http://0/",
      "http://[::]/",
    ]) {
      expect(await privateHostProblem(url, { resolve: noDns }), url).not.toBeNull();
      // The local-development allowance lets loopback through, never the rest.
      const local = await privateHostProblem(url, { resolve: noDns, allowLoopback: true });
      if (!/localhost|2130706433|0x7f|0177/.test(url)) expect(local, url).not.toBeNull();
    }
    expect(await privateHostProblem("https://93.184.215.14/hook", { resolve: noDns })).toBeNull();
  });

  it("a name is refused when any of its addresses is internal", async () => {
    const answers: Resolver = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    expect(await privateHostProblem("https://hooks.example/x", { resolve: answers })).toMatch(
      /private/,
    );
  });
});

describe("delivery: resolve once, check, connect to exactly that address", () => {
  const delivery = (url: string): ClaimedDelivery => ({
    id: 1n,
    claimToken: "t",
    attempt: 1,
    retryStep: 0,
    eventId: "evt_1",
    eventType: "card.created",
    payload: "{}",
    endpointId: "we_1",
    url,
    secret: "whsec_x",
  });

  async function listening() {
    let connections = 0;
    const server = createServer((_req, res) => res.end("ok"));
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    return {
      port: (server.address() as AddressInfo).port,
      connections: () => connections,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it("DNS rebinding: public at registration, internal at delivery → refused before connecting", async () => {
    const internal = await listening();
    try {
      let calls = 0;
      const rebinding: Resolver = async () =>
        calls++ === 0
          ? [{ address: "93.184.215.14", family: 4 }]
          : [{ address: "127.0.0.1", family: 4 }];
      const url = `http://rebind.invalid:${internal.port}/hook`;
      expect(await privateHostProblem(url, { resolve: rebinding })).toBeNull();
      const result = await sendDelivery(
        delivery(url),
        { timeoutMs: 2000, allowPrivateUrls: false },
        new AbortController().signal,
        rebinding,
      );
      expect(result.error).toMatch(/^refused: the URL must not point at a private/);
      expect(internal.connections()).toBe(0);
    } finally {
      await internal.close();
    }
  });

  it("connects to the checked address, never resolving the name again", async () => {
    const receiver = await listening();
    try {
      let calls = 0;
      const once: Resolver = async () => {
        calls++;
        return [{ address: "127.0.0.1", family: 4 }];
      };
      // `.invalid` never resolves through the system: a second lookup would fail the request.
      const result = await sendDelivery(
        delivery(`http://pinned.invalid:${receiver.port}/hook`),
        { timeoutMs: 2000, allowPrivateUrls: false, allowLoopbackUrls: true },
        new AbortController().signal,
        once,
      );
      expect(result).toMatchObject({ ok: true, statusCode: 200, error: null });
      expect(calls).toBe(1);
      expect(receiver.connections()).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it("an open and a closed internal port give the same answer, and nothing connects", async () => {
    const open = await listening();
    try {
      const errors = [];
      for (const port of [open.port, 9]) {
        const result = await sendDelivery(
          delivery(`http://127.0.0.1:${port}/`),
          { timeoutMs: 2000, allowPrivateUrls: false },
          new AbortController().signal,
        );
        errors.push([result.statusCode, result.error]);
      }
      expect(errors[0]).toEqual(errors[1]);
      expect(open.connections()).toBe(0);
    } finally {
      await open.close();
    }
  });

  it("resolveDestination returns the first address when every one is public", async () => {
    const both: Resolver = async () => [
      { address: "2606:4700::1111", family: 6 },
      { address: "93.184.215.14", family: 4 },
    ];
    expect(
      await resolveDestination("https://x.example/", { allowPrivate: false, resolve: both }),
    ).toEqual({ ok: true, address: { address: "2606:4700::1111", family: 6 } });
  });
});
