import { describe, expect, it } from "vitest";

import { contentSecurityPolicy, createNonce } from "~/server/http/security-headers";
import { staticSecurityHeaders } from "~/server/http/static-headers.js";

describe("security headers", () => {
  it("sends HSTS only from a production build served over https", () => {
    const hsts = (options: { production: boolean; appUrl: string }) =>
      staticSecurityHeaders(options).find((header) => header.key === "Strict-Transport-Security")?.value;
    expect(hsts({ production: true, appUrl: "https://app.example.com" })).toBe("max-age=63072000; includeSubDomains");
    expect(hsts({ production: true, appUrl: "http://localhost:3000" })).toBeUndefined();
    expect(hsts({ production: false, appUrl: "https://app.example.com" })).toBeUndefined();
    expect(staticSecurityHeaders({ production: false, appUrl: "http://localhost:3000" }).map((header) => header.key)).toEqual([
      "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
    ]);
  });

  it("builds a nonce policy: fresh nonces, no eval in production, upgrade only over https", () => {
    const [a, b] = [createNonce(), createNonce()];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const production = contentSecurityPolicy(a, { development: false, https: false });
    expect(production).toContain(`script-src 'self' 'nonce-${a}' 'strict-dynamic';`);
    expect(production).toContain("frame-ancestors 'none'");
    expect(production).not.toContain("unsafe-eval");
    expect(production).not.toContain("upgrade-insecure-requests");
    expect(contentSecurityPolicy(a, { development: true, https: true })).toMatch(/'unsafe-eval'.*upgrade-insecure-requests$/);
  });
});
