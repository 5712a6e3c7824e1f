// @ts-check
/** HSTS lifetime: two years (the preload list asks for at least one). */
const hstsMaxAgeSeconds = 63_072_000;

/**
 * Headers for every response, pages and API (next.config.mjs `headers()`,
 * so no proxy runs for them): no MIME sniffing, no full URL in cross-origin
 * Referers, no framing; HSTS only for a production build whose APP_URL is
 * https — browsers ignore HSTS over http, and a local http run must never
 * pin its host to https. JavaScript (not TypeScript) because
 * next.config.mjs imports it before TypeScript is set up.
 * @param {{ production: boolean; appUrl: string }} options
 * @returns {{ key: string; value: string }[]}
 */
export function staticSecurityHeaders(options) {
  const headers = [
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "X-Frame-Options", value: "DENY" },
  ];
  if (options.production && options.appUrl.startsWith("https://")) {
    headers.push({ key: "Strict-Transport-Security", value: `max-age=${hstsMaxAgeSeconds}; includeSubDomains` });
  }
  return headers;
}
