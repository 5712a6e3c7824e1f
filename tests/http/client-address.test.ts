import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, describe, expect, it } from "vitest";

import {
  clientAddressHeader,
  isTrackingSocketAddresses,
  normalizeAddress,
  resolveClientAddress,
  socketAddressHeader,
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

  it("normalizes: IPv4-mapped IPv6 as IPv4, IPv6 by /64", () => {
    expect(normalizeAddress("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(normalizeAddress("2001:db8:abcd:12:1:2:3:4")).toBe("2001:db8:abcd:12::");
    expect(normalizeAddress("2001:db8:abcd:12::9")).toBe("2001:db8:abcd:12::");
    expect(normalizeAddress("2001:db8::1")).toBe("2001:db8:0:0::");
    expect(normalizeAddress("::1")).toBe("0:0:0:0::");
    expect(normalizeAddress("evil")).toBeNull();
  });
});
