import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";

/**
 * The SSRF guard of webhook targets (SPEC §8): an endpoint must be an
 * `https:` URL whose host resolves only to public addresses. Private,
 * loopback, link-local, unique-local, CGNAT, multicast, unspecified,
 * documentation and reserved ranges are refused, in IPv4 and in every IPv6
 * form that embeds an IPv4 address (mapped, compatible, NAT64, 6to4). The
 * check runs at registration and again before every attempt, and the
 * attempt connects to the very address that was checked (see send.ts), so a
 * DNS answer that changes in between (rebinding) cannot redirect it.
 * `allowPrivate` (WEBHOOKS_ALLOW_PRIVATE) lifts the address rule and allows
 * `http:`, for tests and local runs.
 */

export type ResolvedAddress = { address: string; family: 4 | 6 };

/** Resolves a host name to every address it has (dns.lookup, all: true). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

/** Why a target is refused, in words for the URL field of the form. */
export class WebhookTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookTargetError";
  }
}

export type GuardOptions = { allowPrivate: boolean; resolve?: Resolver };

/** URLs longer than this are refused: an endpoint is a place, not a payload. */
export const webhookUrlMaxChars = 2_048;

/**
 * Parses and checks an endpoint URL without the network: scheme, no
 * credentials, a host. Returns the normalised URL (the WHATWG parser turns
 * `http://2130706433/` and `http://0x7f.1/` into 127.0.0.1, which the
 * address check then sees).
 */
export function parseWebhookUrl(raw: string, options: Pick<GuardOptions, "allowPrivate">): URL {
  if (raw.length > webhookUrlMaxChars) throw new WebhookTargetError(`Use a URL of at most ${webhookUrlMaxChars} characters.`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new WebhookTargetError("Enter a full URL, such as https://example.com/webhooks.");
  }
  const allowed = options.allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!allowed.includes(url.protocol)) throw new WebhookTargetError(options.allowPrivate ? "Use an http:// or https:// URL." : "Use an https:// URL.");
  if (url.username || url.password) throw new WebhookTargetError("Remove the user name and password from the URL.");
  if (!url.hostname) throw new WebhookTargetError("The URL has no host.");
  return url;
}

/**
 * Resolves the URL's host and returns the address to connect to: the first
 * one, after every address was checked (a host with one private address
 * among public ones is refused: which one a client picks is not ours to
 * know). IP literals are checked as they are, without DNS.
 */
export async function resolveWebhookTarget(url: URL, options: GuardOptions): Promise<ResolvedAddress> {
  const host = hostOf(url);
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch {
      throw new WebhookTargetError(`The host ${host} could not be resolved.`);
    }
  }
  const first = addresses[0];
  if (!first) throw new WebhookTargetError(`The host ${host} has no address.`);
  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const refusal = addressRefusal(address);
      if (refusal) throw new WebhookTargetError(`The host ${host} resolves to a ${refusal} address (${address}), which is not allowed.`);
    }
  }
  return first;
}

/** parseWebhookUrl, then resolveWebhookTarget: what registration checks. */
export async function checkWebhookUrl(raw: string, options: GuardOptions): Promise<{ url: URL; target: ResolvedAddress }> {
  const url = parseWebhookUrl(raw, options);
  return { url, target: await resolveWebhookTarget(url, options) };
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Null for a public unicast address; otherwise the kind of address it is
 * ("loopback", "private", …). Anything that does not parse is refused.
 */
export function addressRefusal(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return ipv4Refusal(parseIpv4(address)!);
  if (family === 6) return ipv6Refusal(address);
  return "malformed";
}

type Ipv4 = [number, number, number, number];

function parseIpv4(address: string): Ipv4 | null {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return null;
  return parts as Ipv4;
}

function ipv4Refusal([a, b, c]: Ipv4): string | null {
  if (a === 0) return "unspecified";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b >= 64 && b <= 127) return "shared (CGNAT)";
  if (a === 127) return "loopback";
  if (a === 169 && b === 254) return "link-local";
  if (a === 192 && b === 0 && c === 0) return "reserved";
  if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return "documentation";
  if (a === 198 && (b === 18 || b === 19)) return "benchmarking";
  if (a >= 224 && a <= 239) return "multicast";
  if (a >= 240) return "reserved";
  return null;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or null. */
export function parseIpv6(address: string): number[] | null {
  let text = address.split("%")[0]!.toLowerCase();
  const tail: number[] = [];
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (!v4) return null;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    text = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string) => (part === "" ? [] : part.split(":").map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? parseInt(group, 16) : NaN)));
  const head = groupsOf(halves[0]!);
  const rest = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest, ...tail];
  return groups.length === 8 && groups.every((group) => Number.isInteger(group)) ? groups : null;
}

function embeddedIpv4(high: number, low: number): Ipv4 {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff];
}

function ipv6Refusal(address: string): string | null {
  const g = parseIpv6(address);
  if (!g) return "malformed";
  const firstSixZero = g.slice(0, 6).every((group) => group === 0);
  if (firstSixZero && g[6] === 0 && g[7] === 0) return "unspecified";
  if (firstSixZero && g[6] === 0 && g[7] === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): the IPv4 address decides.
  if (g.slice(0, 5).every((group) => group === 0) && (g[5] === 0xffff || g[5] === 0)) {
    return ipv4Refusal(embeddedIpv4(g[6]!, g[7]!));
  }
  // 64:ff9b::/96, NAT64 of a public IPv4 address; 64:ff9b:1::/48 is local use.
  if (g[0] === 0x64 && g[1] === 0xff9b) {
    if (g.slice(2, 6).every((group) => group === 0)) return ipv4Refusal(embeddedIpv4(g[6]!, g[7]!));
    return "NAT64 local-use";
  }
  if (g[0] === 0x2002) return ipv4Refusal(embeddedIpv4(g[1]!, g[2]!)); // 6to4: the IPv4 address decides
  if (g[0] === 0x2001 && g[1] === 0) return "Teredo";
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "documentation";
  if (g[0] === 0x100 && g.slice(1, 4).every((group) => group === 0)) return "discard-only";
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return "unique-local";
  if ((first & 0xffc0) === 0xfe80) return "link-local";
  if ((first & 0xffc0) === 0xfec0) return "site-local";
  if ((first & 0xff00) === 0xff00) return "multicast";
  return null;
}
