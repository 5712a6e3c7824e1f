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
