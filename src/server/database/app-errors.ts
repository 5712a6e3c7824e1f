import "server-only";

import { isBadTextError, isDatabaseTimeout, isTransientConnectionError } from "~/server/database/errors";
import { unavailable } from "~/server/database/retry";
import { AppError } from "~/server/errors";

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
