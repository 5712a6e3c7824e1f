/**
 * The forms that carry a password post to these routes (src/app/api/forms),
 * which answer a browser without JavaScript the way a server-rendered site
 * does: they act, then send it on with 303 See Other to the next page, or
 * back to the form with a short code in `?error=` — never the password,
 * which a GET form would have put in the URL (history, logs, Referer).
 * With JavaScript the forms keep calling the API themselves.
 */
export const formPostPaths = {
  signIn: "/api/forms/sign-in",
  signUp: "/api/forms/sign-up",
  resetPassword: "/api/forms/reset-password",
  changePassword: "/api/forms/change-password",
  deleteAccount: "/api/forms/delete-account",
} as const;

/** What went wrong with a posted form, as the page it returns to is told (`?error=`). */
export const formPostErrors = [
  "credentials", // wrong email or password
  "throttled", // too many failed sign-ins from this network (`?retry=` seconds)
  "origin", // posted from another address than the app's
  "password-short",
  "password-long",
  "password-mismatch",
  "wrong-password", // the current password, to change it or delete the account
  "invalid-link", // a reset link that is bad, used or expired
  "busy", // an account with a running job cannot be deleted
  "last-owner", // nor one that is the last owner of a team
  "failed", // anything else
] as const;
export type FormPostError = (typeof formPostErrors)[number];

/** The `?error=` of a form page, when it is one of ours. */
export function formPostErrorOf(value: string | null | undefined): FormPostError | null {
  return (formPostErrors as readonly string[]).includes(value ?? "") ? (value as FormPostError) : null;
}

/** What the sign-in page is told after a form post (besides `?error=`): a sign-up, or a reset, just happened. */
export const signInNotices = { signedUp: "signed-up", passwordReset: "password-reset" } as const;
