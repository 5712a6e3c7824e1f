import type { ExceededBudget } from "~/server/errors";

/** The appCode (SPEC §4) and its fields from a tRPC client error, if any. */
export type ClientAppError = {
  appCode?: string;
  retryAfterSeconds?: number;
  requiredCredits?: number;
  /** BUDGET_EXCEEDED: which budget, what is left and when it resets (resetsAt is ISO, or null). */
  budget?: ExceededBudget;
  fieldErrors?: Record<string, string[]>;
};

export function appErrorOf(error: unknown): ClientAppError {
  const data = (error as { data?: ClientAppError } | null)?.data;
  return data ?? {};
}

/** Codes whose answer a retry or a poll cannot change: the query should stop asking. */
const finalCodes = new Set(["NOT_FOUND", "FORBIDDEN", "UNAUTHORIZED", "VALIDATION_ERROR"]);

/** Whether a query error is final (NOT_FOUND, FORBIDDEN, …): stop retrying and polling. */
export function isFinalError(error: unknown): boolean {
  const code = appErrorOf(error).appCode;
  return code !== undefined && finalCodes.has(code);
}

/**
 * Whether a failure is worth retrying by itself: CONFLICT_RETRY (the server
 * is busy or its database is restarting) or no answer at all (the network,
 * a server restarting). SPEC §4: such answers are retried automatically.
 */
export function isReconnectable(error: unknown): boolean {
  if (!error) return false;
  const code = appErrorOf(error).appCode;
  return code === undefined || code === "CONFLICT_RETRY";
}

/** Retries of an unexpected failure (INTERNAL) before a query shows it. */
const internalRetriesMax = 2;

/**
 * React Query's `retry` for the app's queries: a reconnectable failure is
 * retried for as long as it lasts (with `queryRetryDelayMs`' backoff; the
 * page says it is reconnecting meanwhile), INTERNAL twice, a final answer
 * (NOT_FOUND, FORBIDDEN, …) never.
 */
export function shouldRetryQuery(failureCount: number, error: unknown): boolean {
  if (isReconnectable(error)) return true;
  return appErrorOf(error).appCode === "INTERNAL" && failureCount < internalRetriesMax;
}

/**
 * `retry` for a query that should not retry its other failures (a poll, a
 * banner): it still retries a reconnectable one until it passes, so the
 * page recovers by itself when the server is back.
 */
export function retryOnlyReconnectable(_failureCount: number, error: unknown): boolean {
  return isReconnectable(error);
}

/** The wait before retry `attempt` (0-based): 1, 2, 4, 8 seconds, then every 10. */
export function queryRetryDelayMs(attempt: number): number {
  return Math.min(1_000 * 2 ** attempt, 10_000);
}
