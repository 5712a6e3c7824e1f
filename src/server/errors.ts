import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

/**
 * The closed set of expected failures (SPEC §4), one table: code → HTTP
 * status (through the tRPC code) → the message a user may read. The UI
 * switches on the code, never on the message.
 */
export const appErrors = {
  UNAUTHORIZED: { trpc: "UNAUTHORIZED", http: 401, message: "Sign in to continue." },
  FORBIDDEN: { trpc: "FORBIDDEN", http: 403, message: "You do not have access to this." },
  NOT_FOUND: { trpc: "NOT_FOUND", http: 404, message: "Not found." },
  VALIDATION_ERROR: { trpc: "BAD_REQUEST", http: 400, message: "Some fields are not valid." },
  INSUFFICIENT_CREDITS: { trpc: "PAYMENT_REQUIRED", http: 402, message: "Not enough credits." },
  RATE_LIMIT_EXCEEDED: { trpc: "TOO_MANY_REQUESTS", http: 429, message: "Too many jobs this minute." },
  MAX_ACTIVE_JOBS: { trpc: "TOO_MANY_REQUESTS", http: 429, message: "Too many active jobs." },
  BUDGET_EXCEEDED: { trpc: "PAYMENT_REQUIRED", http: 402, message: "This would go over a budget." },
  IDEMPOTENCY_KEY_REUSED: {
    trpc: "UNPROCESSABLE_CONTENT",
    http: 422,
    message: "This idempotency key was already used for a different request.",
  },
  JOB_NOT_CANCELLABLE: { trpc: "CONFLICT", http: 409, message: "This job has already finished." },
  CONFLICT_RETRY: { trpc: "SERVICE_UNAVAILABLE", http: 503, message: "Busy, please retry." },
  INTERNAL: { trpc: "INTERNAL_SERVER_ERROR", http: 500, message: "Something went wrong." },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; http: number; message: string }>;

export type AppErrorCode = keyof typeof appErrors;
export const appErrorCodes = Object.keys(appErrors) as AppErrorCode[];

/** The budget a refused request would have gone over (SPEC §9). */
export type ExceededBudget = {
  id: string;
  scope: "ACCOUNT" | "API_KEY" | "MEMBER";
  period: "MONTH" | "TOTAL";
  apiKeyId: string | null;
  /** The member a MEMBER budget limits (absent before teams). */
  memberUserId?: string | null;
  limitCredits: number;
  spentCredits: number;
  remainingCredits: number;
  /** ISO 8601; null for a TOTAL budget, which never resets. */
  resetsAt: string | null;
};

/** Fields that travel with an error to the client, next to `appCode`. */
export type AppErrorDetails = {
  retryAfterSeconds?: number;
  requiredCredits?: number;
  availableCredits?: number;
  activeJobs?: number;
  /** BUDGET_EXCEEDED: the budget the request would go over, and when it resets. */
  budget?: ExceededBudget;
  fieldErrors?: Record<string, string[]>;
};

/** An expected failure. Anything else thrown is a bug and becomes INTERNAL. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: AppErrorDetails;

  constructor(code: AppErrorCode, message?: string, details: AppErrorDetails = {}) {
    super(message ?? appErrors[code].message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * A programmer error: the invariant named by `message` does not hold. It is
 * never caught as an expected failure and surfaces as a 500.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Assertion failed: ${message}`);
}
