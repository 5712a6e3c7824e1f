import "server-only";

import { answerableFailure } from "~/server/database/app-errors";
import { AppError, appErrors } from "~/server/errors";
import { logger } from "~/server/logger";
import { privateNoStore } from "~/server/http/same-origin";

/**
 * A route handler's answer for an expected failure: `{ code, message, …details }`
 * with the code's HTTP status (SPEC §4), never stored, and `Retry-After`
 * when the client is to retry later (CONFLICT_RETRY, a rate limit).
 */
export function problemResponse(error: AppError, headers: Record<string, string> = {}): Response {
  const retryAfterSeconds = error.code === "CONFLICT_RETRY" ? Math.max(1, Math.ceil(error.details.retryAfterSeconds ?? 1)) : error.details.retryAfterSeconds;
  const body = { code: error.code, message: error.message, ...error.details, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  return Response.json(body, {
    status: appErrors[error.code].http,
    headers: {
      "cache-control": privateNoStore,
      ...(retryAfterSeconds !== undefined ? { "retry-after": String(retryAfterSeconds) } : {}),
      ...headers,
    },
  });
}

/**
 * The answer of a route handler to anything it threw: an AppError as its
 * problem; a lost or refused database connection as 503 CONFLICT_RETRY with
 * Retry-After, logged once (`answerableFailure`); anything else logged as a
 * bug and answered 500 INTERNAL, with nothing internal in it.
 */
export function routeFailure(error: unknown, request: Request): Response {
  const site = { entry: "route" as const, path: new URL(request.url).pathname, method: request.method };
  const typed = answerableFailure(error, site);
  if (typed) return problemResponse(typed);
  logger.error({ ...site, err: error }, "unexpected error in route handler");
  return problemResponse(new AppError("INTERNAL"));
}
