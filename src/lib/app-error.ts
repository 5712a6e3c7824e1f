/** The appCode (SPEC §4) and its fields from a tRPC client error, if any. */
export type ClientAppError = {
  appCode?: string;
  retryAfterSeconds?: number;
  requiredCredits?: number;
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
