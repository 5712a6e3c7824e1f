/**
 * Defence in depth against cross-site requests that ride on the session
 * cookie (browsers already stop most of them: the preflight a JSON POST
 * needs, and the cookie's SameSite=Lax). A request that changes state and
 * carries the session cookie must come from the app's own pages: its Origin
 * is APP_URL's origin, or — a browser that sent no Origin — its
 * `Sec-Fetch-Site` says same-origin. API keys (REST) carry no cookie and are
 * not concerned; reads (GET, HEAD, OPTIONS) change nothing.
 */

/** better-auth's session cookie (with the __Secure- prefix over https). */
export const sessionCookieNames = ["better-auth.session_token", "__Secure-better-auth.session_token"];

/** The raw value of the session cookie, if the request carries one. */
export function sessionCookieOf(cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && sessionCookieNames.includes(part.slice(0, at).trim())) return part.slice(at + 1).trim();
  }
  return null;
}

const readMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Why a cookie-authenticated request that changes state is refused (its
 * Origin is another site's, or it has none and does not say it is
 * same-origin), or null when it may go on.
 */
export function crossSiteRefusal(request: { method: string; headers: Headers }, appUrl: string): string | null {
  if (readMethods.has(request.method.toUpperCase())) return null;
  if (!sessionCookieOf(request.headers.get("cookie"))) return null;
  const origin = request.headers.get("origin");
  if (origin && origin !== "null") {
    return origin === new URL(appUrl).origin ? null : `Requests from ${origin} may not act on your account.`;
  }
  if (request.headers.get("sec-fetch-site") === "same-origin") return null;
  return "A request that acts on your account must come from this site (no Origin header).";
}

/** What every answer that depends on a session or an API key carries: never stored by a browser or a shared cache. */
export const privateNoStore = "private, no-store";
