import "server-only";

import { env } from "~/env.js";
import { auth } from "~/server/auth/auth";
import { giveBackSignInAttempt, takeSignInAttempt } from "~/server/auth/sign-in-throttle";
import { db } from "~/server/db";
import { clientAddressHeader, isTrackingSocketAddresses, resolveClientAddress, throttleKeyOf } from "~/server/http/client-address";
import { originMismatch, warnOriginMismatch } from "~/server/http/request-origin";

const signInPath = "/api/auth/sign-in/email";

/**
 * Every /api/auth request: resolves the client address once (the socket's,
 * or the trusted proxy's X-Forwarded-For entry — never a client's claim)
 * and hands it to better-auth in a header of our own, for its per-address
 * limits (by /64 for IPv6) and the session's record; throttles failed email
 * sign-ins per `throttleKeyOf` the address; logs when the request's origin
 * is not APP_URL's (better-auth refuses it).
 */
export async function handleAuthRequest(request: Request): Promise<Response> {
  const address = resolveClientAddress(request.headers, { trustProxy: env.TRUST_PROXY, tracking: isTrackingSocketAddresses() });
  const headers = new Headers(request.headers);
  if (address) headers.set(clientAddressHeader, address);
  else headers.delete(clientAddressHeader);
  const forwarded = new Request(request, { headers });
  if (request.method !== "POST") return auth.handler(forwarded);
  const mismatch = originMismatch(request.headers, env.APP_URL);
  if (mismatch) warnOriginMismatch(mismatch);
  if (new URL(request.url).pathname !== signInPath) return auth.handler(forwarded);
  return signInThrottled(forwarded, address === null ? null : throttleKeyOf(address));
}

async function signInThrottled(request: Request, throttleKey: string | null): Promise<Response> {
  const attempt = await takeSignInAttempt(db, throttleKey);
  if (!attempt.allowed) return tooManyAttempts(attempt.retryAfterSeconds);
  const response = await auth.handler(request);
  if (response.ok) await giveBackSignInAttempt(db, attempt);
  return response;
}

/** 429 with the wait in both headers clients read (Retry-After, better-auth's X-Retry-After) and in the body. */
function tooManyAttempts(retryAfterSeconds: number): Response {
  const body = {
    code: "TOO_MANY_ATTEMPTS",
    message: `Too many failed sign-ins from this network. Try again in ${retryAfterSeconds} seconds.`,
    retryAfterSeconds,
  };
  return Response.json(body, {
    status: 429,
    headers: { "Retry-After": String(retryAfterSeconds), "X-Retry-After": String(retryAfterSeconds) },
  });
}
