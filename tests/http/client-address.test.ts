import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, describe, expect, it } from "vitest";

import {
  clientAddressHeader,
  canonicalAddress,
  isTrackingSocketAddresses,
  resolveClientAddress,
  socketAddressHeader,
  throttleKeyOf,
  trackSocketAddresses,
} from "~/server/http/client-address";

const spoofed = { "x-forwarded-for": "203.0.113.7", [socketAddressHeader]: "198.51.100.1", [clientAddressHeader]: "198.51.100.2" };

describe("client address", () => {
  const server = http.createServer((request, response) => response.end(JSON.stringify(request.headers)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("records the socket's address for every request and drops client-sent copies of our headers", async () => {
    trackSocketAddresses();
    trackSocketAddresses(); // Idempotent: one subscription per process.
    expect(isTrackingSocketAddresses()).toBe(true);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: spoofed });
    const seen = (await response.json()) as Record<string, string>;
    expect(seen[socketAddressHeader]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(seen[clientAddressHeader]).toBeUndefined();
    expect(seen["x-forwarded-for"]).toBe("203.0.113.7"); // Still there — and ignored below.
    const address = resolveClientAddress(new Headers(seen), { trustProxy: false, tracking: true });
    expect(address).toBe("127.0.0.1");
  });

  it("never takes a client's X-Forwarded-For without a trusted proxy", () => {
    const headers = new Headers({ "x-forwarded-for": "203.0.113.7", [socketAddressHeader]: "::ffff:10.1.2.3" });
    expect(resolveClientAddress(headers, { trustProxy: false, tracking: true })).toBe("10.1.2.3");
    // Without the hook, the socket header could be the client's own: unknown.
    expect(resolveClientAddress(headers, { trustProxy: false, tracking: false })).toBeNull();
  });

  it("behind a trusted proxy takes the entry that proxy appended (the right-most)", () => {
    const headers = new Headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.7", [socketAddressHeader]: "10.0.0.1" });
    expect(resolveClientAddress(headers, { trustProxy: true, tracking: true })).toBe("203.0.113.7");
    expect(resolveClientAddress(new Headers({ "x-forwarded-for": "not-an-ip" }), { trustProxy: true, tracking: true })).toBeNull();
  });

  it("the client's address: IPv4-mapped IPv6 as IPv4, IPv6 whole, compressed and in lower case", () => {
    expect(canonicalAddress("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(canonicalAddress("::FFFF:c000:201")).toBe("192.0.2.1");
    expect(canonicalAddress("2001:DB8:ABCD:0012:0001:0002:0003:0004")).toBe("2001:db8:abcd:12:1:2:3:4");
    expect(canonicalAddress("2001:db8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(canonicalAddress("::1")).toBe("::1");
    expect(canonicalAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(canonicalAddress("evil")).toBeNull();
    expect(resolveClientAddress(new Headers({ [socketAddressHeader]: "2001:db8:abcd:12:1:2:3:4" }), { trustProxy: false, tracking: true })).toBe("2001:db8:abcd:12:1:2:3:4");
  });

  it("limits by the IPv4 address, or by the IPv6 /64", () => {
    expect(throttleKeyOf("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(throttleKeyOf("2001:db8:abcd:12:1:2:3:4")).toBe("2001:db8:abcd:12::");
    expect(throttleKeyOf("2001:db8:abcd:12::9")).toBe("2001:db8:abcd:12::");
    expect(throttleKeyOf("2001:db8::1")).toBe("2001:db8::");
    expect(throttleKeyOf("::1")).toBe("::");
    expect(throttleKeyOf("evil")).toBeNull();
  });
});
