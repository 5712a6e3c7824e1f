import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { describe, expect, it } from "vitest";

import { addressRefusal, checkWebhookUrl, parseIpv6, type ResolvedAddress } from "~/server/webhooks/address-guard";
import { sendWebhook } from "~/server/webhooks/send";
import { endpointUrlRules } from "~/lib/webhook-copy";

// SPEC §8: endpoints that resolve to private, loopback or link-local
// addresses are refused unless the operator allows them — at registration
// and at every attempt, against the very address the attempt connects to.

describe("addressRefusal", () => {
  const refused: [string, string][] = [
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.254", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["100.127.255.255", "shared (CGNAT)"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["169.254.169.254", "link-local"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::127.0.0.1", "loopback"],
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b:1::1", "NAT64 local-use"],
    ["2002:7f00:1::1", "loopback"],
    ["2002:a00:1::", "private"],
    ["2001:0:4136:e378::1", "Teredo"],
    ["2001:db8::1", "documentation"],
    ["100::1", "discard-only"],
    ["fc00::1", "unique-local"],
    ["fd12:3456:789a::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["not-an-ip", "malformed"],
  ];
  it.each(refused)("refuses %s as %s", (address, kind) => {
    expect(addressRefusal(address)).toBe(kind);
  });

  const allowed = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"];
  it.each(allowed)("allows the public address %s", (address) => {
    expect(addressRefusal(address)).toBeNull();
  });

  it("parses IPv6 in every notation to the same groups", () => {
    expect(parseIpv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6("1::8")).toEqual([1, 0, 0, 0, 0, 0, 0, 8]);
    expect(parseIpv6("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(parseIpv6("1::2::3")).toBeNull();
    expect(parseIpv6("12345::")).toBeNull();
  });
});

describe("checkWebhookUrl", () => {
  const publicResolver = async (): Promise<ResolvedAddress[]> => [{ address: "93.184.216.34", family: 4 }];
  const strict = { allowPrivate: false, resolve: publicResolver };

  it("accepts https to a public host", async () => {
    const { url, target } = await checkWebhookUrl("https://hooks.example.com/in", strict);
    expect(url.toString()).toBe("https://hooks.example.com/in");
    expect(target.address).toBe("93.184.216.34");
  });

  it.each([
    ["http://hooks.example.com/in", /https/],
    ["ftp://hooks.example.com/in", /https/],
    ["hooks.example.com/in", /full URL/],
    ["https://user:pass@hooks.example.com/in", /user name and password/],
    ["https://127.0.0.1/in", /loopback/],
    ["https://2130706433/in", /loopback/],
    ["https://0x7f.1/in", /loopback/],
    ["https://[::1]/in", /loopback/],
    ["https://[::ffff:127.0.0.1]/in", /loopback/],
    ["https://169.254.169.254/latest/meta-data", /link-local/],
    ["https://[fd00::1]/in", /unique-local/],
    ["https://0.0.0.0/in", /unspecified/],
    ["https://100.64.1.1/in", /CGNAT/],
  ])("refuses %s", async (raw, message) => {
    await expect(checkWebhookUrl(raw, strict)).rejects.toThrow(message);
  });

  it("refuses a host when any of its addresses is private", async () => {
    const mixed = async (): Promise<ResolvedAddress[]> => [{ address: "93.184.216.34", family: 4 }, { address: "10.0.0.5", family: 4 }];
    await expect(checkWebhookUrl("https://mixed.example.com/", { allowPrivate: false, resolve: mixed })).rejects.toThrow(/private/);
  });

  it("refuses a host that does not resolve", async () => {
    const failing = async (): Promise<ResolvedAddress[]> => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    await expect(checkWebhookUrl("https://nowhere.invalid/", { allowPrivate: false, resolve: failing })).rejects.toThrow(/could not be resolved/);
  });

  it("allows http and private targets only when the operator allows them", async () => {
    const { target } = await checkWebhookUrl("http://127.0.0.1:9/in", { allowPrivate: true });
    expect(target).toEqual({ address: "127.0.0.1", family: 4 });
    // There the refusal of another scheme names both that are taken.
    await expect(checkWebhookUrl("ftp://127.0.0.1/in", { allowPrivate: true })).rejects.toThrow("Use an http:// or https:// URL.");
    await expect(checkWebhookUrl("http://hooks.example.com/in", strict)).rejects.toThrow("Use an https:// URL.");
  });
});

describe("what the endpoint form says it takes", () => {
  it("a public deployment: public HTTPS only; a server allowing private targets: http:// and localhost too", () => {
    expect(endpointUrlRules(false).hint).toBe("Public HTTPS only: http:// URLs and private or local addresses are refused.");
    expect(endpointUrlRules(false).description).toContain("HTTPS URL");
    const local = endpointUrlRules(true);
    expect(local.hint).toMatch(/^This server also takes http:\/\/ and local addresses, such as http:\/\/localhost/);
    expect(local.hint).not.toMatch(/^Public HTTPS only/);
    expect(local.description).not.toContain("HTTPS");
  });
});

describe("sendWebhook (delivery-time guard)", () => {
  async function withReceiver(run: (port: number, hits: () => number) => Promise<void>) {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(200).end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await run((server.address() as AddressInfo).port, () => hits);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it("refuses at delivery a host that rebinds to a private address after registration", async () => {
    await withReceiver(async (port, hits) => {
      const answers: ResolvedAddress[][] = [[{ address: "93.184.216.34", family: 4 }], [{ address: "127.0.0.1", family: 4 }]];
      const rebinding = async () => answers.shift() ?? [{ address: "127.0.0.1", family: 4 }];
      await checkWebhookUrl(`https://rebind.example.com:${port}/`, { allowPrivate: false, resolve: rebinding });
      const result = await sendWebhook(
        { url: `https://rebind.example.com:${port}/`, headers: {}, body: "{}", timeoutMs: 2_000 },
        { allowPrivate: false, resolve: rebinding },
      );
      expect(result).toMatchObject({ ok: false, statusCode: null });
      expect(result.error).toMatch(/^Refused: .*loopback/);
      expect(hits()).toBe(0);
    });
  });

  it("connects to the address it checked, resolving the host once (no second lookup to rebind)", async () => {
    await withReceiver(async (port, hits) => {
      let lookups = 0;
      // First answer: the receiver (allowed here); any later one would point nowhere.
      const resolver = async (): Promise<ResolvedAddress[]> => (lookups++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.255.255.1", family: 4 }]);
      const result = await sendWebhook(
        { url: `http://receiver.test:${port}/`, headers: {}, body: "{}", timeoutMs: 2_000 },
        { allowPrivate: true, resolve: resolver },
      );
      expect(result).toMatchObject({ ok: true, statusCode: 200 });
      expect(lookups).toBe(1);
      expect(hits()).toBe(1);
    });
  });

  it("follows no redirect and gives up after its timeout", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/redirect") res.writeHead(302, { location: "http://169.254.169.254/" }).end();
      // /hang never answers
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const redirected = await sendWebhook({ url: `${base}/redirect`, headers: {}, body: "{}", timeoutMs: 2_000 }, { allowPrivate: true });
      expect(redirected).toMatchObject({ ok: false, statusCode: 302, error: "HTTP 302" });
      const hung = await sendWebhook({ url: `${base}/hang`, headers: {}, body: "{}", timeoutMs: 300 }, { allowPrivate: true });
      expect(hung).toMatchObject({ ok: false, statusCode: null, error: "Timed out after 300 ms" });
      expect(hung.durationMs).toBeGreaterThanOrEqual(250);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
