import { logger } from "~/server/logger";

/** Distinct mismatching origins logged per process (the log must not become a flood). */
const warnedOriginsMax = 100;
const warnedOrigins = new Set<string>();

export type OriginMismatch = { requestOrigin: string; appOrigin: string };

/**
 * The origin the browser used for a request: its Origin header when it
 * sent one (as on every POST), else the Host it asked for. For messages
 * only, never for a security decision (better-auth checks origins itself).
 */
export function requestOriginOf(headers: Headers): string | null {
  const sent = headers.get("origin");
  if (sent && sent !== "null") return sent;
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
  if (!host) return null;
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return null;
  }
}

/**
 * The request's origin and APP_URL's when they differ, else null. Auth
 * refuses such requests ("Invalid origin"): cookies and origin checks are
 * bound to APP_URL, so the page must say which address to use instead.
 */
export function originMismatch(headers: Headers, appUrl: string): OriginMismatch | null {
  const requestOrigin = requestOriginOf(headers);
  const appOrigin = new URL(appUrl).origin;
  return requestOrigin && requestOrigin !== appOrigin ? { requestOrigin, appOrigin } : null;
}

/** Says once per origin, in the server log, that requests come from elsewhere than APP_URL. */
export function warnOriginMismatch(mismatch: OriginMismatch): void {
  if (warnedOrigins.has(mismatch.requestOrigin) || warnedOrigins.size >= warnedOriginsMax) return;
  warnedOrigins.add(mismatch.requestOrigin);
  logger.warn(
    mismatch,
    `A browser opened ${mismatch.requestOrigin} but APP_URL is ${mismatch.appOrigin}: sign-in and sign-up will be refused ` +
      `("Invalid origin"). Open ${mismatch.appOrigin}, or set APP_URL to the address people use.`,
  );
}
