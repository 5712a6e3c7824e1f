import "server-only";

import { isBadTextError, isDatabaseTimeout, isTransientConnectionError } from "~/server/database/errors";
import { unavailable } from "~/server/database/retry";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";

/**
 * The typed error for a database failure that is not a bug: text the
 * database cannot store is bad input (VALIDATION_ERROR); a dropped
 * connection or a server that did not answer, after the retries, is
 * CONFLICT_RETRY (the client retries, with the same key). Null for anything
 * else, which stays an INTERNAL error.
 */
export function databaseFailureAsAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (isBadTextError(error)) return new AppError("VALIDATION_ERROR", "The input contains characters that cannot be stored.");
  if (isTransientConnectionError(error) || isDatabaseTimeout(error)) return unavailable();
  return null;
}

/** Where a failure was answered, for its log line: the entry point and what it served. */
export type FailureSite = { entry: "trpc" | "rest" | "route" | "page"; path: string; method?: string };

/**
 * What an entry point (tRPC, REST, a route handler, a page) answers for a
 * failure it caught: the AppError itself, or the typed error of a database
 * failure that is not a bug (databaseFailureAsAppError); null for a bug.
 *
 * A lost or refused database connection is logged here, once per failed
 * request, by the entry point that answers it (a warning: the client is
 * told to retry). `withRetries` logs the failures it gave up on itself and
 * throws them as AppErrors, which are not logged again.
 */
export function answerableFailure(error: unknown, site: FailureSite): AppError | null {
  if (error instanceof AppError) return error;
  const typed = databaseFailureAsAppError(error);
  if (typed?.code === "CONFLICT_RETRY") {
    increment("databaseUnavailable");
    logger.warn({ ...site, appCode: typed.code, err: error }, "database unavailable: answered 503 CONFLICT_RETRY");
  }
  return typed;
}

/** Whether `error` is (or is caused by) the database being unavailable: what a page shows as "reconnecting". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === "object" && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    if (current instanceof AppError) return current.code === "CONFLICT_RETRY";
  }
  return isTransientConnectionError(error) || isDatabaseTimeout(error);
}
