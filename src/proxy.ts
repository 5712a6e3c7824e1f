import { NextResponse, type NextRequest } from "next/server";

import { contentSecurityPolicy, createNonce, nonceHeader, requestPathHeader } from "~/server/http/security-headers";

/**
 * Pages only (see `config.matcher`): a per-request CSP nonce, set on the
 * request (Next.js reads it there and stamps its scripts; the layout
 * passes it to next-themes) and on the response; and the page's own path
 * and query, for return paths after sign-in. Both request headers are
 * overwritten, so a client-sent copy never survives.
 */
export function proxy(request: NextRequest) {
  const nonce = createNonce();
  const policy = contentSecurityPolicy(nonce, {
    development: process.env.NODE_ENV === "development",
    https: (process.env.APP_URL ?? "").startsWith("https://"),
  });
  const headers = new Headers(request.headers);
  headers.set(nonceHeader, nonce);
  headers.set("Content-Security-Policy", policy);
  headers.set(requestPathHeader, `${request.nextUrl.pathname}${request.nextUrl.search}`);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  // Not /api/* (JSON needs no nonce, and API requests must not pay for a
  // proxy), nor static files and images. Prefetches carry no scripts.
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico|icon.svg|icon-\\d+.png|apple-touch-icon.png|robots.txt|manifest.webmanifest).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
