/**
 * The page headers (docs/architecture.md, "Security"). The static ones go on every
 * response from next.config.mjs (./static-headers.js); the
 * Content-Security-Policy carries a fresh nonce per page and is set by
 * src/proxy.ts, which does not run for /api/* (API responses are JSON:
 * nothing there executes or needs a nonce).
 */

/** The request header through which the proxy hands the page its nonce (next-themes' inline script). */
export const nonceHeader = "x-nonce";
/** The request header through which the proxy hands server pages their own path and query (return paths). */
export const requestPathHeader = "x-creditworks-path";

/** A nonce of 128 random bits, base64: unguessable and unique per response. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The page CSP. Scripts: only those carrying this response's nonce, and
 * what they load ('strict-dynamic'); Next.js puts the nonce on its own
 * scripts when it finds this policy on the request. Styles allow inline
 * `style` attributes (React renders them, recharts and Radix position with
 * them): they cannot run code. Development adds 'unsafe-eval' (React's
 * dev tools); `upgradeInsecure` only where the app is served over HTTPS.
 */
export function contentSecurityPolicy(nonce: string, options: { development: boolean; https: boolean }): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}
