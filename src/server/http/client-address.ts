import diagnosticsChannel from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { Socket } from "node:net";

/**
 * Where a request comes from, without trusting what the client says.
 *
 * Next.js does not expose the socket to route handlers, and it only sets
 * X-Forwarded-For when the client did not send one — so a client choosing a
 * new X-Forwarded-For per request would look like a new visitor each time.
 * Node's documented `http.server.request.start` diagnostics channel runs for
 * every request before Next.js sees it: there we drop any client-sent copy of
 * our private headers and record the socket's address. A route then resolves
 * the client address with `resolveClientAddress`: behind a trusted proxy
 * (TRUST_PROXY) the right-most X-Forwarded-For entry, the one our proxy
 * appended; otherwise the socket address, and never a forwarding header.
 */

/** Set by the request-start hook only: the TCP peer of the request. */
export const socketAddressHeader = "x-creditworks-socket-address";
/**
 * Set by the auth route for better-auth (`advanced.ipAddress.ipAddressHeaders`):
 * the resolved client address (better-auth limits by its /64 itself; the
 * session it creates records the whole address, src/server/auth/auth.ts).
 */
export const clientAddressHeader = "x-creditworks-client-address";

const privateHeaders = [socketAddressHeader, clientAddressHeader];
const installedKey = Symbol.for("creditworks.socketAddressTracking");
const requestStartChannel = "http.server.request.start";
/** IPv6 clients are limited per /64: one host usually owns the whole prefix. */
const ipv6PrefixGroups = 4;

type RequestStart = { request: IncomingMessage; socket: Socket };

function onRequestStart(message: unknown): void {
  const { request, socket } = message as RequestStart;
  for (const name of privateHeaders) delete request.headers[name];
  if (socket.remoteAddress) request.headers[socketAddressHeader] = socket.remoteAddress;
}

/**
 * Starts recording each request's socket address (once per process; called
 * from instrumentation.ts). Shared through globalThis because Next.js
 * bundles instrumentation and route handlers as separate module instances.
 */
export function trackSocketAddresses(): void {
  const registry = globalThis as { [installedKey]?: boolean };
  if (registry[installedKey]) return;
  diagnosticsChannel.subscribe(requestStartChannel, onRequestStart);
  registry[installedKey] = true;
}

/** Whether this process records socket addresses (else a socket header could be the client's own). */
export function isTrackingSocketAddresses(): boolean {
  return (globalThis as { [installedKey]?: boolean })[installedKey] === true;
}

/** An IPv6 address without its zone (`fe80::1%eth0`), in compressed lower case (RFC 5952, as URLs print it). */
function compressedIpv6(address: string): string | null {
  const bare = address.split("%")[0]!;
  if (isIP(bare) !== 6) return null;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/**
 * The client's address as one text: IPv4-mapped IPv6 as IPv4, IPv6
 * compressed and in lower case; null if not an IP. What a person reads (the
 * sessions list); limits use `throttleKeyOf` instead.
 */
export function canonicalAddress(address: string): string | null {
  const trimmed = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(trimmed);
  if (mapped) return isIP(mapped[1]!) === 4 ? mapped[1]! : null;
  if (isIP(trimmed) === 4) return trimmed;
  const ipv6 = compressedIpv6(trimmed);
  // An IPv4-mapped address in its other spelling (::ffff:c000:201) is IPv4 too.
  const hex = ipv6 ? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ipv6) : null;
  if (!hex) return ipv6;
  const [high, low] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/**
 * The key a client is limited by (failed sign-ins, better-auth's limits): its
 * IPv4 address, or its IPv6 /64 network address (one host usually owns the
 * whole prefix, and could otherwise take a new address per attempt).
 */
export function throttleKeyOf(address: string): string | null {
  const canonical = canonicalAddress(address);
  if (canonical === null || isIP(canonical) === 4) return canonical;
  const [head = "", tail = ""] = canonical.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups = canonical.includes("::")
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups]
    : headGroups;
  // The prefix's network address: still a valid IPv6 address for better-auth.
  return compressedIpv6(`${groups.slice(0, ipv6PrefixGroups).join(":")}::`);
}

/**
 * The client address of a request, or null when it cannot be known. With
 * `trustProxy`, the right-most X-Forwarded-For entry (what the proxy in
 * front of us saw; entries to its left are the client's own claims).
 * Without it, the socket address recorded by `trackSocketAddresses` — and
 * null if that hook is not installed, since the header could then be forged.
 */
export function resolveClientAddress(headers: Headers, options: { trustProxy: boolean; tracking: boolean }): string | null {
  if (options.trustProxy) {
    const hops = (headers.get("x-forwarded-for") ?? "").split(",").map((hop) => hop.trim()).filter(Boolean);
    const nearest = hops.at(-1);
    return nearest ? canonicalAddress(nearest) : null;
  }
  if (!options.tracking) return null;
  const socket = headers.get(socketAddressHeader);
  return socket ? canonicalAddress(socket) : null;
}
