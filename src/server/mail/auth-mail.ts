import { accountPaths } from "~/shared/account-paths";
import { sendMailInBackground } from "~/server/mail/send";
import { changeEmailMail, resetPasswordMail, verifyEmailMail } from "~/server/mail/templates";

type AuthMailData = { user: { email: string; name: string }; url: string; token: string };

/** The `requestType` better-auth puts in a verification token (a JWT it signed), if any. */
function requestTypeOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { requestType?: unknown };
    return typeof payload.requestType === "string" ? payload.requestType : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the link's `callbackURL` to `path` when the caller left it empty or at better-auth's default "/". */
function withCallback(url: string, path: string): string {
  const link = new URL(url);
  const current = link.searchParams.get("callbackURL");
  if (!current || current === "/") link.searchParams.set("callbackURL", path);
  return link.toString();
}

/**
 * better-auth's `sendVerificationEmail`: the sign-up mail, a resent one, or
 * (token of type change-email-verification, sent to the NEW address) the
 * confirmation of an email change. Sent in the background (see
 * `sendMailInBackground`); the link lands on /email-verified.
 */
export async function sendVerificationMail({ user, url, token }: AuthMailData): Promise<void> {
  const change = requestTypeOf(token) === "change-email-verification";
  const link = withCallback(url, change ? accountPaths.emailChanged : accountPaths.emailVerified);
  sendMailInBackground(change ? changeEmailMail(user.email, user.name, link) : verifyEmailMail(user.email, user.name, link));
}

/** better-auth's `sendResetPassword`: the link checks the token, then opens /reset-password?token=… */
export async function sendResetPasswordMail({ user, url }: AuthMailData): Promise<void> {
  sendMailInBackground(resetPasswordMail(user.email, user.name, withCallback(url, accountPaths.resetPassword)));
}
