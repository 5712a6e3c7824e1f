import "server-only";

import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";

import { getSessionUser, type SessionUser } from "~/server/auth/auth";
import { env } from "~/env.js";
import { answerableFailure } from "~/server/database/app-errors";
import { db as sharedDb, type Db } from "~/server/db";
import { AppError, appErrors, type AppErrorCode, type AppErrorDetails } from "~/server/errors";
import { crossSiteRefusal } from "~/server/http/same-origin";
import { logger } from "~/server/logger";
import { hasRole, personalWorkspaceOf, type ActiveWorkspace, type WorkspaceRole } from "~/server/workspaces/active-workspace";

/**
 * The signed-in user as procedures see them. A request's comes from its
 * session (with `sessionId` and the resolved `workspace`); a test's or a
 * server component's may omit both (no session to switch; the personal
 * workspace).
 */
export type ContextUser = SessionUser & { sessionId?: string; workspace?: ActiveWorkspace };

/**
 * `user` is the person signed in (sessions, profile, the actor of what they
 * do); `workspace` the wallet they act in (decision 0012), null without a
 * user: the session's active workspace, membership checked
 * (src/server/workspaces/active-workspace.ts), or the personal one.
 */
export type Context = { db: Db; user: ContextUser | null; workspace: ActiveWorkspace | null };

/** Builds a context without HTTP: tests and server components call this. */
export function createContextInner(opts: { user: ContextUser | null; db?: Db }): Context {
  const workspace = opts.user ? (opts.user.workspace ?? personalWorkspaceOf(opts.user)) : null;
  return { db: opts.db ?? sharedDb, user: opts.user, workspace };
}

/**
 * The context of one HTTP request: the session comes from its cookies.
 *
 * It runs before any procedure and outside their middleware, so it answers
 * for itself: a cookie-authenticated POST from another site is refused
 * (FORBIDDEN, before the session is even read: src/server/http/same-origin.ts),
 * and a session lookup that finds the database unavailable is CONFLICT_RETRY
 * (503, Retry-After), logged here once for the whole request (a batch of
 * calls included). Anything else is a bug: logged, and INTERNAL.
 */
export async function createContext(opts: { headers: Headers; method?: string; path?: string; entry?: "trpc" | "page" }): Promise<Context> {
  const refusal = opts.method ? crossSiteRefusal({ method: opts.method, headers: opts.headers }, env.APP_URL) : null;
  if (refusal) throw trpcErrorOf(new AppError("FORBIDDEN", refusal));
  try {
    return createContextInner({ user: await getSessionUser(opts.headers) });
  } catch (error) {
    const site = { entry: opts.entry ?? "trpc", path: opts.path ?? "(session)", method: opts.method };
    const typed = answerableFailure(error, site);
    if (typed) throw trpcErrorOf(typed);
    logger.error({ ...site, err: error }, "unexpected error reading the session");
    throw error;
  }
}

function trpcErrorOf(error: AppError): TRPCError {
  return new TRPCError({ code: appErrors[error.code].trpc, message: error.message, cause: error });
}

type Issue = { path?: readonly (PropertyKey | { key: PropertyKey })[]; message: string };

function fieldErrorsOf(cause: unknown): Record<string, string[]> | null {
  const issues = (cause as { issues?: Issue[] } | undefined)?.issues;
  if (!Array.isArray(issues)) return null;
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".") || "_";
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

function appCodeOf(error: TRPCError): { appCode: AppErrorCode; details: AppErrorDetails; message: string } {
  if (error.cause instanceof AppError) {
    return { appCode: error.cause.code, details: error.cause.details, message: error.cause.message };
  }
  const fieldErrors = fieldErrorsOf(error.cause);
  if (error.code === "BAD_REQUEST" || error.code === "PARSE_ERROR" || fieldErrors) {
    return { appCode: "VALIDATION_ERROR", details: { fieldErrors: fieldErrors ?? {} }, message: appErrors.VALIDATION_ERROR.message };
  }
  const byTrpc: Partial<Record<TRPCError["code"], AppErrorCode>> = {
    UNAUTHORIZED: "UNAUTHORIZED",
    FORBIDDEN: "FORBIDDEN",
    NOT_FOUND: "NOT_FOUND",
    METHOD_NOT_SUPPORTED: "VALIDATION_ERROR",
    PAYLOAD_TOO_LARGE: "VALIDATION_ERROR",
    UNSUPPORTED_MEDIA_TYPE: "VALIDATION_ERROR",
  };
  const appCode = byTrpc[error.code] ?? "INTERNAL";
  return { appCode, details: {}, message: appErrors[appCode].message };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const { appCode, details, message } = appCodeOf(error);
    // Nothing internal leaves the server: no stack, and a generic message
    // for anything that is not an expected failure.
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, appCode, ...details } };
  },
});

/**
 * Turns an AppError thrown by domain code into the tRPC error of its code,
 * so the HTTP status matches SPEC §4; logs what is unexpected.
 */
const appErrors_ = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof AppError) throw trpcErrorOf(cause);
  if (result.error.code === "INTERNAL_SERVER_ERROR") {
    // A lost or refused database connection is typed (and logged once) here.
    const typed = answerableFailure(cause, { entry: "trpc", path });
    if (typed) throw trpcErrorOf(typed);
    logger.error({ err: cause ?? result.error, path }, "unexpected error in procedure");
  }
  return result;
});

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(appErrors_);

/** A signed-in user; `ctx.user` and `ctx.workspace` are set. Ids always come from the session. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user || !ctx.workspace) throw new AppError("UNAUTHORIZED");
  return next({ ctx: { ...ctx, user: ctx.user, workspace: ctx.workspace } });
});

/**
 * A member of the active workspace with at least `least` (SPEC §9: OWNER ⊃
 * ADMIN ⊃ MEMBER); a lesser role gets FORBIDDEN. Every workspace-scoped
 * procedure is built from this, and reads and writes only through
 * `ctx.workspace.id`, so another workspace's rows are NOT_FOUND, never
 * revealed (tests/workspaces/idor.test.ts lists every procedure).
 */
export function workspaceProcedure(least: WorkspaceRole) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!hasRole(ctx.workspace.role, least)) throw new AppError("FORBIDDEN", forbiddenMessage[least]);
    return next({ ctx });
  });
}

const forbiddenMessage: Record<WorkspaceRole, string> = {
  OWNER: "Only the team's owners may do this.",
  ADMIN: "Only the team's owners and admins may do this.",
  MEMBER: "Only the team's members may do this.",
};

/** An admin; everyone else gets FORBIDDEN. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "ADMIN") throw new AppError("FORBIDDEN", "Admins only.");
  return next({ ctx });
});
