import "server-only";

import { TRPCError } from "@trpc/server";

import { env } from "~/env.js";
import { handleAuthRequest } from "~/server/auth/handler";
import { AppError } from "~/server/errors";
import { createCaller } from "~/server/trpc/root";
import { createContext } from "~/server/trpc/procedures";
import { accountPaths } from "~/shared/account-paths";
import { signInNotices, type FormPostError } from "~/shared/form-posts";
import { newPasswordError, newPasswordErrors, passwordMaxChars } from "~/shared/password-rules";
import { safeReturnPath, signInPath } from "~/shared/sign-in-path";

/*
 * The routes a password form posts to when the page has no JavaScript
 * (src/shared/form-posts.ts). Each calls what the page's script would have
 * called — better-auth's endpoint through our auth handler (so the sign-in
 * throttle, the client address and the origin check all apply), or the
 * tRPC procedure — then answers 303 See Other: to the next page with the
 * session cookies, or back to the form with `?error=<code>`.
 */

/** A text field of the posted form ("" when it is missing). */
function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

/** `path` with a query of the defined values. */
function pathWith(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

/**
 * 303 to `location`, a path on this site, with the cookies `from` set (a
 * session opened or closed). Relative (RFC 9110 allows it): the browser
 * stays on the address it posted to, whatever host the server sees behind
 * a proxy.
 */
function seeOther(location: string, from?: Response): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  for (const cookie of from?.headers.getSetCookie() ?? []) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

const appOrigin = () => new URL(env.APP_URL).origin;

/**
 * Whether the post came from a page of this app. Browsers send Origin with
 * every form post, but as "null" from a page whose referrer policy is
 * no-referrer (the reset page: its URL holds the token); Sec-Fetch-Site,
 * which no page can set, still says where such a post came from.
 */
function isOwnOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === appOrigin()) return true;
  return origin === "null" && request.headers.get("sec-fetch-site") === "same-origin";
}

/**
 * Calls a better-auth endpoint as the page's script would: JSON, with the
 * post's cookies and client address, and the app's origin (checked by
 * `isOwnOrigin` first).
 */
function callAuth(request: Request, endpoint: string, body: Record<string, unknown>): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("content-type", "application/json");
  headers.set("origin", appOrigin());
  headers.delete("content-length");
  return handleAuthRequest(new Request(new URL(`/api/auth/${endpoint}`, request.url), { method: "POST", headers, body: JSON.stringify(body) }));
}

type AuthRefusal = { error: FormPostError; retryAfterSeconds?: number };

/** What better-auth's refusal means for the form. */
async function refusalOf(response: Response): Promise<AuthRefusal> {
  const body = (await response.json().catch(() => ({}))) as { code?: string; retryAfterSeconds?: number };
  if (response.status === 429) return { error: "throttled", retryAfterSeconds: body.retryAfterSeconds ?? (Number(response.headers.get("retry-after")) || undefined) };
  const byCode: Record<string, FormPostError> = {
    INVALID_EMAIL_OR_PASSWORD: "credentials",
    INVALID_PASSWORD: "wrong-password",
    INVALID_ORIGIN: "origin",
    PASSWORD_TOO_SHORT: "password-short",
    PASSWORD_TOO_LONG: "password-long",
    INVALID_TOKEN: "invalid-link",
  };
  return { error: byCode[body.code ?? ""] ?? "failed" };
}

/** Signs in and goes on to `next` (same site only); back to the form with what went wrong. */
export async function signInByForm(request: Request): Promise<Response> {
  const form = await request.formData();
  const next = safeReturnPath(field(form, "next") || null);
  const back = (refusal: AuthRefusal) =>
    pathWith("/sign-in", { next: next === "/" ? undefined : next, error: refusal.error, retry: refusal.retryAfterSeconds?.toString() });
  if (!isOwnOrigin(request)) return seeOther(back({ error: "origin" }));
  const email = field(form, "email").trim();
  const password = field(form, "password");
  if (!email || !password || password.length > passwordMaxChars) return seeOther(back({ error: "credentials" }));
  const response = await callAuth(request, "sign-in/email", { email, password });
  if (!response.ok) return seeOther(back(await refusalOf(response)));
  return seeOther(next, response);
}

/** Signs up (which opens no session: the answer is the same for a new and a known email), then to sign-in. */
export async function signUpByForm(request: Request): Promise<Response> {
  const form = await request.formData();
  const next = field(form, "next") ? safeReturnPath(field(form, "next")) : undefined;
  const back = (error: FormPostError) => pathWith("/sign-up", { next, error });
  if (!isOwnOrigin(request)) return seeOther(back("origin"));
  const name = field(form, "name").trim();
  const email = field(form, "email").trim();
  const password = field(form, "password");
  if (newPasswordError(password)) return seeOther(back(password.length > passwordMaxChars ? "password-long" : "password-short"));
  if (!name || !email) return seeOther(back("failed"));
  const response = await callAuth(request, "sign-up/email", { name, email, password });
  if (!response.ok) return seeOther(back((await refusalOf(response)).error));
  return seeOther(pathWith("/sign-in", { next, notice: signInNotices.signedUp }));
}

/** Sets a new password from a reset link (every session ends), then to sign-in. */
export async function resetPasswordByForm(request: Request): Promise<Response> {
  const form = await request.formData();
  const token = field(form, "token");
  const back = (error: FormPostError) => pathWith(accountPaths.resetPassword, { token, problem: error });
  if (!isOwnOrigin(request)) return seeOther(back("origin"));
  const newPassword = field(form, "new-password");
  const problems = newPasswordErrors(newPassword, field(form, "confirm-password"));
  if (problems.password) return seeOther(back(newPassword.length > passwordMaxChars ? "password-long" : "password-short"));
  if (problems.confirm) return seeOther(back("password-mismatch"));
  const response = await callAuth(request, "reset-password", { newPassword, token });
  if (!response.ok) {
    const { error } = await refusalOf(response);
    return seeOther(error === "invalid-link" ? pathWith(accountPaths.resetPassword, { error: "INVALID_TOKEN" }) : back(error));
  }
  return seeOther(pathWith("/sign-in", { notice: signInNotices.passwordReset }));
}

/** Changes the signed-in user's password (the current one confirms it), back to the settings with the outcome. */
export async function changePasswordByForm(request: Request): Promise<Response> {
  const form = await request.formData();
  const back = (outcome: FormPostError | "changed") => `${pathWith(accountPaths.settings, { password: outcome })}#password-title`;
  if (!isOwnOrigin(request)) return seeOther(back("origin"));
  const currentPassword = field(form, "current-password");
  const newPassword = field(form, "new-password");
  const problems = newPasswordErrors(newPassword, field(form, "confirm-password"));
  if (!currentPassword) return seeOther(back("wrong-password"));
  if (problems.password) return seeOther(back(newPassword.length > passwordMaxChars ? "password-long" : "password-short"));
  if (problems.confirm) return seeOther(back("password-mismatch"));
  const revokeOtherSessions = field(form, "revoke-others") === "on";
  const response = await callAuth(request, "change-password", { currentPassword, newPassword, revokeOtherSessions });
  if (response.status === 401) return seeOther(signInPath(accountPaths.settings));
  if (!response.ok) return seeOther(back((await refusalOf(response)).error));
  // Signing out the other sessions gives this one a new cookie.
  return seeOther(back("changed"), response);
}

/** Deletes the signed-in account (`account.delete`, the password confirms it), signs out, and says goodbye. */
export async function deleteAccountByForm(request: Request): Promise<Response> {
  const form = await request.formData();
  const back = (error: FormPostError) => `${pathWith(accountPaths.settings, { delete: error })}#delete-title`;
  if (!isOwnOrigin(request)) return seeOther(back("origin"));
  const caller = createCaller(await createContext({ headers: request.headers }));
  let failure: TRPCError | null = null;
  try {
    await caller.account.delete({ password: field(form, "delete-password").slice(0, passwordMaxChars) });
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    failure = error;
  }
  if (failure?.code === "UNAUTHORIZED") return seeOther(signInPath(accountPaths.settings));
  if (failure) {
    const fieldErrors = failure.cause instanceof AppError ? failure.cause.details.fieldErrors : undefined;
    // An empty password is refused by the input schema (BAD_REQUEST), a wrong one by the domain; a running job blocks it ("_"), and so does a team left without an owner ("teams").
    const refusal: FormPostError = fieldErrors?._ ? "busy" : fieldErrors?.teams ? "last-owner" : fieldErrors?.password || failure.code === "BAD_REQUEST" ? "wrong-password" : "failed";
    return seeOther(back(refusal));
  }
  return seeOther(accountPaths.deleted, await callAuth(request, "sign-out", {}));
}
