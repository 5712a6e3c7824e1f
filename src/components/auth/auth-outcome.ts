import type { FormPostError } from "~/shared/form-posts";

/** What the auth endpoints answered, as the form needs it. */
export type AuthMode = "sign-in" | "sign-up";

export type AuthFailure =
  | { kind: "message"; message: string }
  | { kind: "throttled"; retryAfterSeconds: number }
  | { kind: "network" };

type ErrorBody = { status?: number; code?: string; message?: string; retryAfterSeconds?: number };

/** Used when a 429 names no wait (it always should). */
const throttleFallbackSeconds = 60;
export const passwordMinChars = 8;
export const passwordMaxChars = 128;

/**
 * Maps an auth error (better-auth's JSON body, plus the Retry-After the
 * response carried) to what the form shows. Sign-up never reports that an
 * email is taken (the server answers both cases alike), so there is no such
 * message here.
 */
export function authFailureOf(mode: AuthMode, error: ErrorBody, retryAfterHeader: number | null): AuthFailure {
  if (error.status === 429) {
    const seconds = error.retryAfterSeconds ?? retryAfterHeader ?? throttleFallbackSeconds;
    return { kind: "throttled", retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }
  switch (error.code) {
    case "INVALID_EMAIL_OR_PASSWORD":
      return { kind: "message", message: "Wrong email or password." };
    case "PASSWORD_TOO_SHORT":
      return { kind: "message", message: `Use at least ${passwordMinChars} characters.` };
    case "INVALID_ORIGIN":
      return { kind: "message", message: "This server does not accept sign-ins from this address. Use the address in the notice above." };
    default:
      return { kind: "message", message: mode === "sign-in" ? "Could not sign you in. Please try again." : "Could not create the account. Please try again." };
  }
}

/** The wait a 429 response asks for (Retry-After, or better-auth's X-Retry-After), in seconds. */
export function retryAfterOf(response: Response): number | null {
  const value = response.headers.get("retry-after") ?? response.headers.get("x-retry-after");
  const seconds = value === null ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** "45 s", or "9:59" from a minute up: short enough for a button. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/**
 * What a form posted without JavaScript came back with (`?error=`, and
 * `?retry=` seconds when throttled): a message to show as it is, since
 * there is no script to count down.
 */
export function authFailureOfPost(mode: AuthMode, error: FormPostError | null, retrySeconds: string | null): AuthFailure | null {
  switch (error) {
    case null:
      return null;
    case "throttled": {
      const seconds = Number(retrySeconds);
      const wait = Number.isInteger(seconds) && seconds > 0 ? formatWait(seconds) : "a minute";
      return { kind: "message", message: `Too many failed sign-ins from your network. Try again in ${wait}.` };
    }
    case "credentials":
      return authFailureOf(mode, { code: "INVALID_EMAIL_OR_PASSWORD" }, null);
    case "origin":
      return authFailureOf(mode, { code: "INVALID_ORIGIN" }, null);
    case "password-short":
      return authFailureOf(mode, { code: "PASSWORD_TOO_SHORT" }, null);
    case "password-long":
      return { kind: "message", message: `Use at most ${passwordMaxChars} characters.` };
    default:
      return authFailureOf(mode, {}, null);
  }
}
