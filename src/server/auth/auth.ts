import "server-only";

import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";

import { env, requireAuthSecret } from "~/env.js";
import { authFailureScope } from "~/server/auth/failure-scope";
import { sessionCache, type CachedSessionUser } from "~/server/auth/session-cache";
import { isDatabaseUnavailable } from "~/server/database/app-errors";
import { db } from "~/server/db";
import { canonicalAddress, clientAddressHeader } from "~/server/http/client-address";
import { sessionCookieOf } from "~/server/http/same-origin";
import { logger } from "~/server/logger";
import { sendResetPasswordMail, sendVerificationMail, tellOldAddressOfEmailChange } from "~/server/mail/auth-mail";
import { resetLinkTtlSeconds, verificationLinkTtlSeconds } from "~/server/mail/templates";
import { money } from "~/server/money";
import { personalWorkspaceIdOf, resolveActiveWorkspace } from "~/server/workspaces/active-workspace";

/**
 * Email and password sessions (better-auth, stored through Prisma). A new
 * account gets the welcome credits as a GRANT ledger entry, idempotent per
 * user, so balance and ledger agree from the first moment.
 *
 * Email verification is asked for, not required: sign-up mails a link, and
 * an unverified account may sign in and spend its welcome credits while a
 * banner asks it to verify (the credits are granted once per account, so a
 * throwaway address gains nothing a verified one would not). Changing the
 * email always needs a click on a link mailed to the NEW address; once it
 * is changed, the OLD address gets a link that undoes it. Deleting
 * an account is `account.delete` (tRPC), not better-auth's deleteUser, which
 * would delete the user row the ledger must keep.
 */
export const auth = betterAuth({
  database: prismaAdapter(db, { provider: "postgresql", transaction: false }),
  secret: requireAuthSecret("sessions (the web process)"),
  baseURL: env.APP_URL,
  trustedOrigins: [env.APP_URL],
  emailAndPassword: {
    enabled: true,
    minPasswordLength: 8,
    maxPasswordLength: 128,
    // No session from sign-up: better-auth then answers a new and an
    // already-registered email alike (200, `token: null`, a user object), so
    // sign-up does not tell who has an account; the page asks to sign in.
    // The verification mail goes out on sign-up, but signing in does not
    // wait for it (a banner asks to verify; docs/architecture.md, "Security").
    autoSignIn: false,
    sendResetPassword: sendResetPasswordMail,
    resetPasswordTokenExpiresIn: resetLinkTtlSeconds,
    // A reset means the password may be known to someone else: end every session.
    revokeSessionsOnPasswordReset: true,
  },
  emailVerification: {
    sendVerificationEmail: sendVerificationMail,
    sendOnSignUp: true,
    expiresIn: verificationLinkTtlSeconds,
  },
  user: {
    changeEmail: { enabled: true },
    deleteUser: { enabled: false },
    // The role travels with the session's user: no second query per
    // request. Never settable by a client (input: false); the seed and
    // admins set it in the database. Its default is the database's, and
    // better-auth fills the made-up user it answers an already-registered
    // email with from it: without it, that answer said `role: null` where a
    // new account's says "USER", which told who has an account.
    additionalFields: { role: { type: "string", required: false, input: false, defaultValue: "USER" } },
  },
  session: {
    expiresIn: 60 * 60 * 24 * 7,
    updateAge: 60 * 60 * 24,
    // The workspace the session acts in (decision 0012, step 2): set only by
    // workspaces.switchTo after a membership check, never by a client.
    additionalFields: { activeWorkspaceId: { type: "string", required: false, input: false } },
  },
  advanced: {
    database: { generateId: () => crypto.randomUUID() },
    // Set by our auth route from the socket (or a trusted proxy), and
    // overwritten on every request: the client cannot choose its address.
    ipAddress: { ipAddressHeaders: [clientAddressHeader] },
  },
  // One log for the whole app (JSON lines, src/server/logger.ts) instead of
  // better-auth's coloured console lines. Its warnings are routine (a wrong
  // password, an unknown email): information, not alarms.
  logger: { level: "info", log: logBetterAuth },
  // Email sign-in is throttled by our route (failures only, shared through
  // PostgreSQL: src/server/auth/sign-in-throttle.ts); better-auth's own
  // per-address limits keep guarding sign-up and the rest.
  rateLimit: { customRules: { "/sign-in/email": false } },
  databaseHooks: {
    session: {
      create: {
        before: async (session, context) => {
          // A deleted account never gets a session again, whatever path asks for one.
          const user = await db.user.findUnique({ where: { id: session.userId }, select: { deletedAt: true } });
          if (!user || user.deletedAt) return false;
          // better-auth records the key it limits by (an IPv6 client's /64,
          // written out in full): the sessions list shows the client's own
          // address instead, or nothing when it is not known.
          return { data: { ...session, ipAddress: sessionAddressOf(context?.headers ?? context?.request?.headers) } };
        },
      },
    },
    user: {
      // An email change confirmed by its link tells the old address, with a way back.
      update: { after: (user, context) => tellOldAddressOfEmailChange(user, context) },
      create: {
        after: async (user) => {
          if (env.SIGNUP_CREDITS <= 0) return;
          await money.moveCredits(db, {
            // Into the personal workspace the user_personal_workspace trigger made with the user.
            workspaceId: personalWorkspaceIdOf(user.id),
            amount: env.SIGNUP_CREDITS,
            kind: "GRANT",
            actor: { type: "SYSTEM", id: null },
            reason: "Welcome credits",
            idempotencyKey: `signup:${user.id}`,
            grant: {
              category: "PROMOTIONAL",
              expiresAt: env.SIGNUP_CREDITS_EXPIRE_DAYS > 0 ? new Date(Date.now() + env.SIGNUP_CREDITS_EXPIRE_DAYS * 86_400_000) : null,
            },
          }).catch((error: unknown) => logger.error({ err: error, userId: user.id }, "welcome credits failed"));
        },
      },
    },
  },
});

/** The client address our auth route resolved for this request (never a client's claim), or null. */
function sessionAddressOf(headers: Headers | undefined): string | null {
  const address = headers?.get(clientAddressHeader);
  return address ? canonicalAddress(address) : null;
}

function logBetterAuth(level: "debug" | "info" | "warn" | "error", message: string, ...args: unknown[]): void {
  const err = args.find((arg) => arg instanceof Error);
  const fields = { source: "better-auth", ...(err ? { err } : {}) };
  if (err && isDatabaseUnavailable(err)) {
    // The entry point that answers the request logs it, once (src/server/database/app-errors.ts).
    const scope = authFailureScope.getStore();
    if (scope) scope.databaseFailure ??= err;
    logger.debug(fields, message);
    return;
  }
  if (level === "error") logger.error(fields, message);
  else if (level === "debug") logger.debug(fields, message);
  else logger.info(fields, message);
}

/** Who is signed in: the user, without their session. */
export type SessionUser = Omit<CachedSessionUser, "sessionId" | "workspace">;

/** What a request's session says: the user, the session's id, and the workspace it acts in (membership checked). */
export type SignedInUser = CachedSessionUser;


/**
 * The signed-in user for a request, with the workspace their session acts
 * in. A session this process has validated recently answers from memory
 * (src/server/auth/session-cache.ts: revoked at once through LISTEN/NOTIFY,
 * as is a membership change); otherwise better-auth checks the signed
 * cookie and the session row (the role comes with the user, the stored
 * workspace with the session: additional fields), and
 * resolveActiveWorkspace checks the membership of a team workspace (one
 * read by key; none for the personal workspace).
 */
export async function getSessionUser(headers: Headers): Promise<SignedInUser | null> {
  const cookie = sessionCookieOf(headers.get("cookie"));
  if (!cookie) return null;
  const cached = sessionCache.get(cookie);
  if (cached) return cached;
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const { id, email, name } = session.user;
  const role = (session.user as { role?: string }).role === "ADMIN" ? "ADMIN" : "USER";
  const stored = (session.session as { activeWorkspaceId?: string | null }).activeWorkspaceId ?? null;
  const workspace = await resolveActiveWorkspace(db, id, stored);
  const user: SignedInUser = { id, email, name, role, sessionId: session.session.id, workspace };
  sessionCache.set(cookie, user, new Date(session.session.expiresAt));
  return user;
}
