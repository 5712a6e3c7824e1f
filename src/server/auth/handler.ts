import "server-only";

import { env, requireAuthSecret } from "~/env.js";
import { auth } from "~/server/auth/auth";
import { authFailureScope } from "~/server/auth/failure-scope";
import { InFlightFull, withInFlightLimit } from "~/server/auth/in-flight";
import { accountTagOf, knownDeviceFor, knownDeviceSetCookie } from "~/server/auth/known-device";
import { checkSignIn, recordSignInFailure } from "~/server/auth/sign-in-throttle";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { clientAddressHeader, isTrackingSocketAddresses, resolveClientAddress, throttleKeyOf } from "~/server/http/client-address";
import { originMismatch, warnOriginMismatch } from "~/server/http/request-origin";
import { payloadTooLarge, readBodyBounded } from "~/server/http/request-body";
import { problemResponse, routeFailure } from "~/server/http/route-failure";
import { crossSiteRefusal, privateNoStore } from "~/server/http/same-origin";

const signInPath = "/api/auth/sign-in/email";

/**
 * Every /api/auth request: resolves the client address once (the socket's,
 * or the trusted proxy's X-Forwarded-For entry — never a client's claim)
 * and hands it to better-auth in a header of our own, for its per-address
 * limits (by /64 for IPv6) and the session's record; throttles failed email
 * sign-ins per address (`throttleKeyOf`) and per account (counting only
 * failures that finished); logs when the request's origin is not APP_URL's
 * (better-auth refuses it).
 */
export async function handleAuthRequest(request: Request): Promise<Response> {
  const scope = { databaseFailure: undefined as unknown };
  let response: Response;
  try {
    response = await authFailureScope.run(scope, () => answerAuthRequest(request));
  } catch (error) {
    return routeFailure(error, request);
  }
  // better-auth's own 500 for a database it could not reach: answered as every entry point answers it.
  if (response.status >= 500 && scope.databaseFailure !== undefined) return routeFailure(scope.databaseFailure, request);
  const answer = new Response(response.body, response);
  // Every auth answer depends on the session (or opens one): never stored.
  answer.headers.set("cache-control", privateNoStore);
  return answer;
}

async function answerAuthRequest(request: Request): Promise<Response> {
  const address = resolveClientAddress(request.headers, { trustProxy: env.TRUST_PROXY, tracking: isTrackingSocketAddresses() });
  const headers = new Headers(request.headers);
  if (address) headers.set(clientAddressHeader, address);
  else headers.delete(clientAddressHeader);
  // The body is read whole first (src/server/http/request-body.ts): better-auth
  // answers some requests without reading theirs, which would leave it in
  // the connection and stall the next request on it.
  const body = await readBodyBounded(request, authBodyBytesMax);
  if (!body.ok) return payloadTooLarge(authBodyBytesMax);
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const forwarded = new Request(request.url, { method: request.method, headers, body: hasBody ? body.bytes : undefined });
  if (request.method !== "POST") return auth.handler(forwarded);
  const mismatch = originMismatch(request.headers, env.APP_URL);
  if (mismatch) warnOriginMismatch(mismatch);
  // better-auth checks origins too; this is the rule every cookie-authenticated route applies (same-origin.ts).
  const refusal = crossSiteRefusal(request, env.APP_URL);
  if (refusal) return problemResponse(new AppError("FORBIDDEN", refusal));
  if (new URL(request.url).pathname !== signInPath) return auth.handler(forwarded);
  return signInThrottled(forwarded, new TextDecoder().decode(body.bytes), address === null ? null : throttleKeyOf(address));
}

/** Auth requests carry an email, a password, a name, a token: a few hundred bytes; a megabyte is never one. */
const authBodyBytesMax = 1024 * 1024;

/** How many sign-ins of one address check passwords at once in this process; the rest queue. */
const addressInFlight = { running: 8, waitingMax: 256 };
/** Attempts on one account check passwords one at a time in this process: each sees the failures before it. */
const accountInFlight = { running: 1, waitingMax: 64 };

function emailOf(body: string): string {
  try {
    const email = (JSON.parse(body) as { email?: unknown } | null)?.email;
    return typeof email === "string" ? email : "";
  } catch {
    return "";
  }
}

/**
 * An email sign-in, throttled by its finished failures (sign-in-throttle.ts):
 * the password is checked only when neither the address nor the account is
 * over its limit, or when the browser is known to the account; a 401 is
 * counted, a success never is, and a success makes the browser known.
 */
async function signInThrottled(request: Request, body: string, address: string | null): Promise<Response> {
  const secret = requireAuthSecret("sign-in throttling");
  const accountTag = accountTagOf(secret, emailOf(body));
  const cookies = request.headers.get("cookie");
  const buckets = { address, account: accountTag, device: knownDeviceFor(secret, cookies, accountTag) };
  try {
    return await withInFlightLimit(`address:${address ?? "unknown"}`, addressInFlight, () =>
      withInFlightLimit(`account:${accountTag}`, accountInFlight, async () => {
        const verdict = await checkSignIn(db, buckets);
        if (!verdict.allowed) return tooManyAttempts(verdict.retryAfterSeconds, verdict.reason);
        const answer = await auth.handler(new Request(request.url, { method: "POST", headers: request.headers, body }));
        if (answer.status === 401) await recordSignInFailure(db, buckets);
        if (!answer.ok) return answer;
        const response = new Response(answer.body, answer);
        response.headers.append("set-cookie", knownDeviceSetCookie(secret, cookies, accountTag, { secure: env.APP_URL.startsWith("https://") }));
        return response;
      }),
    );
  } catch (error) {
    if (error instanceof InFlightFull) return tooManyAttempts(1, "address");
    throw error;
  }
}

/** 429 with the wait in both headers clients read (Retry-After, better-auth's X-Retry-After) and in the body. */
function tooManyAttempts(retryAfterSeconds: number, reason: "address" | "account"): Response {
  const who = reason === "account" ? "this account" : "this network";
  const body = {
    code: "TOO_MANY_ATTEMPTS",
    message: `Too many failed sign-ins for ${who}. Try again in ${retryAfterSeconds} seconds.`,
    retryAfterSeconds,
  };
  return Response.json(body, {
    status: 429,
    headers: { "Retry-After": String(retryAfterSeconds), "X-Retry-After": String(retryAfterSeconds) },
  });
}
