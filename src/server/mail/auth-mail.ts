import { accountPaths } from "~/shared/account-paths";
import { env } from "~/env.js";
import { emailChangeUndoTtlHours, recordEmailChange } from "~/server/account/email-change-undo";
import { db } from "~/server/db";
import { logger } from "~/server/logger";
import { sendMailInBackground } from "~/server/mail/send";
import { changeEmailMail, emailChangedMail, resetPasswordMail, verifyEmailMail } from "~/server/mail/templates";

type AuthMailData = { user: { email: string; name: string }; url: string; token: string };

/** The claims of a verification token (a JWT better-auth signed), read without checking: callers only act after better-auth did. */
function tokenClaimsOf(token: string): Record<string, unknown> {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as unknown;
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The `requestType` better-auth puts in a verification token, if any. */
function requestTypeOf(token: string): string | undefined {
  const { requestType } = tokenClaimsOf(token);
  return typeof requestType === "string" ? requestType : undefined;
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

type UpdatedUser = { id: string; email: string; name: string };
type EndpointContext = { path?: string; query?: Record<string, unknown> | null } | null | undefined;

/**
 * better-auth's `user.update.after` hook. When the update is an email change
 * that its link just confirmed (`/verify-email` with a change-email token,
 * which better-auth has verified before updating), the OLD address is told,
 * with a link that restores it (src/server/account/email-change-undo.ts):
 * whoever changed the address may not be the account's owner. A failure is
 * logged, never thrown: the change itself has happened.
 */
export async function tellOldAddressOfEmailChange(user: UpdatedUser, context: EndpointContext): Promise<void> {
  const token = context?.path === "/verify-email" ? context.query?.token : undefined;
  if (typeof token !== "string") return;
  const claims = tokenClaimsOf(token);
  const { email: oldEmail, updateTo, userId } = claims;
  if (claims.requestType !== "change-email-verification" || typeof oldEmail !== "string" || typeof updateTo !== "string") return;
  if (userId !== user.id || updateTo.toLowerCase() !== user.email.toLowerCase()) return;
  try {
    const { token: undoToken } = await recordEmailChange(db, { userId: user.id, oldEmail, newEmail: user.email });
    const undoUrl = `${env.APP_URL}${accountPaths.undoEmailChange}?token=${encodeURIComponent(undoToken)}`;
    sendMailInBackground(emailChangedMail(oldEmail, user.name, user.email, undoUrl, emailChangeUndoTtlHours));
  } catch (error) {
    logger.error({ err: error, userId: user.id }, "could not tell the old address of an email change");
  }
}
