import "server-only";

import { env } from "~/env.js";
import { isDatabaseTimeout, isRetryableConflict, isTransientConnectionError } from "~/server/database/errors";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";

/** Serialization failures or deadlocks one transaction may meet before the client gets CONFLICT_RETRY. */
export const conflictAttemptsMax = 32;
const conflictBackoffBaseMs = 4;
const conflictBackoffCapMs = 250;
const connectionBackoffBaseMs = 50;
const connectionBackoffCapMs = 1_000;
/** What a client is told to wait before it retries with the same key. */
const retryAfterSeconds = 1;

export type RetryKind = "conflict" | "connection";

function backoffMs(kind: RetryKind, attempt: number): number {
  const [base, cap] = kind === "conflict" ? [conflictBackoffBaseMs, conflictBackoffCapMs] : [connectionBackoffBaseMs, connectionBackoffCapMs];
  return Math.random() * Math.min(cap, base * 2 ** attempt);
}

/** The typed error a client gets when the server could not finish: it retries with the same key. */
export function unavailable(message = "The database is busy or restarting; retry in a moment."): AppError {
  return new AppError("CONFLICT_RETRY", message, { retryAfterSeconds });
}

/**
 * Runs `attempt` and runs it again after a failure that a repeat can fix:
 * a serialization failure or deadlock (when `conflicts` is set: the caller
 * repeats a whole transaction), or a dropped connection (always: a read, or
 * a transaction whose writes are guarded, is safe to repeat). Bounded twice:
 * by a number of conflict retries and by DATABASE_RETRY_BUDGET_MS of wall
 * time. What cannot be finished becomes CONFLICT_RETRY, never an untyped
 * error; a server that does not answer at all (read timeout) is not waited
 * for a second time.
 */
export async function withRetries<T>(
  label: string,
  options: { conflicts: boolean },
  attempt: () => Promise<T>,
): Promise<T> {
  const startedAt = Date.now();
  let conflicts = 0;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const kind: RetryKind | null =
        options.conflicts && isRetryableConflict(error) ? "conflict" : isTransientConnectionError(error) ? "connection" : null;
      if (kind === null) {
        if (isDatabaseTimeout(error)) {
          increment("databaseUnavailable");
          logger.warn({ label, err: error }, "database did not answer in time");
          throw unavailable("The database did not answer in time; retry in a moment.");
        }
        throw error;
      }
      increment(kind === "conflict" ? "conflictRetries" : "connectionRetries");
      logger.debug({ label, kind, attempt: tries + 1, err: error }, "retrying a transaction");
      if (kind === "conflict") conflicts++;
      // Conflicts are bounded by their count (each retry makes progress: some
      // transaction committed); a database that is gone, by wall time.
      const outOfTime = kind === "connection" && Date.now() - startedAt >= env.DATABASE_RETRY_BUDGET_MS;
      if (conflicts >= conflictAttemptsMax || outOfTime) {
        increment(kind === "conflict" ? "conflictExhausted" : "databaseUnavailable");
        logger.warn({ label, attempts: tries + 1, kind, err: error }, "database retries exhausted");
        throw unavailable();
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(kind, kind === "conflict" ? conflicts : tries)));
    }
  }
}
