import { expect, test } from "./fixtures/test";
import { signUp } from "./fixtures/user";

// The headers of the production build (docs/architecture.md, "Security"). Every test of
// the suite also fails on any Content-Security-Policy violation in the
// browser (fixtures/test.ts), so the policy is checked against every page
// the suite visits: hydration, next-themes' inline script, recharts, toasts.

const noncePattern = /'nonce-([A-Za-z0-9+/=]{16,})'/;

test("pages carry a CSP with a fresh nonce on every script, and the other security headers", async ({ request }) => {
  const nonces: string[] = [];
  for (const path of ["/", "/sign-in", "/no-such-page"]) {
    const response = await request.get(path);
    const headers = response.headers();
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(headers["x-frame-options"], path).toBe("DENY");
    // Served over http: no HSTS (a browser would ignore it, and localhost must not be pinned).
    expect(headers["strict-transport-security"], path).toBeUndefined();
    const policy = headers["content-security-policy"] ?? "";
    expect(policy, path).toContain("frame-ancestors 'none'");
    expect(policy, path).toContain("object-src 'none'");
    expect(policy, path).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'(;|$)/);
    expect(policy, path).not.toContain("unsafe-eval");
    const nonce = noncePattern.exec(policy)![1]!;
    nonces.push(nonce);
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length, path).toBeGreaterThan(0);
    for (const script of scripts) expect(script, `${path}: every script carries the nonce`).toContain(`nonce="${nonce}"`);
  }
  expect(new Set(nonces).size, "a fresh nonce per response").toBe(nonces.length);
});

test("API responses get the static headers but no CSP (the proxy does not run for /api)", async ({ request }) => {
  for (const path of ["/api/health", "/api/trpc/catalog.list", "/api/auth/get-session"]) {
    const headers = (await request.get(path)).headers();
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["content-security-policy"], path).toBeUndefined();
  }
});

test("the app works under the policy: hydration, theme script, forms (no violation reported)", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: /every credit is accounted for/ })).toBeVisible();
  await signUp(page); // A client-side form, a tRPC-driven header: only works once hydrated.
  await page.getByRole("button", { name: "Toggle dark mode" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.reload(); // next-themes' inline script restores the theme before paint.
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.getByRole("button", { name: "Toggle dark mode" }).click();
  // Any CSP violation on these pages fails the test (fixtures/test.ts).
});

test("every answer that depends on the session is never stored: signed-in pages, tRPC, the CSV, auth", async ({ page }) => {
  await signUp(page);
  for (const path of ["/", "/jobs", "/statement", "/api/trpc/credits.summary", "/api/statement/csv", "/api/auth/get-session"]) {
    const cacheControl = (await page.request.get(path)).headers()["cache-control"] ?? "";
    expect(cacheControl, path).toContain("private");
    expect(cacheControl, path).toContain("no-store");
  }
});

test("a tRPC mutation with the session cookie but another site's Origin is refused; the app's own goes through", async ({ page }) => {
  await signUp(page);
  const input = JSON.stringify({ json: { name: "cross-site", scopes: ["jobs:read"] } });
  const foreign = await page.request.post("/api/trpc/apiKeys.create", {
    headers: { "content-type": "application/json", origin: "https://evil.example" }, data: input,
  });
  expect(foreign.status()).toBe(403);
  const own = await page.request.post("/api/trpc/apiKeys.create", {
    headers: { "content-type": "application/json", origin: new URL(page.url()).origin }, data: input,
  });
  expect(own.status()).toBe(200);
});
