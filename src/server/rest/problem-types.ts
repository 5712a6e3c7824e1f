import { appErrors, appErrorCodes, type AppErrorCode } from "~/server/errors";

/**
 * Failures of the HTTP exchange itself rather than of its content: each has
 * its own problem type and title (RFC 9457), while its `code` stays the
 * SPEC §4 `VALIDATION_ERROR` (the request was refused as sent; switch on
 * `status` or `type` to tell them apart).
 */
export const httpProblems = {
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed.", when: "the path exists, not with this method (see `Allow`)" },
  CONTENT_TOO_LARGE: { status: 413, title: "Request body too large.", when: "the body is larger than 32 KiB" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type.", when: "the body is not `application/json` (see `Accept-Post`)" },
} as const;

export type HttpProblemKind = keyof typeof httpProblems;

/** Where a problem is explained: the API docs page (a relative URI, RFC 9457 §3.1.1). */
export function problemTypeOf(kind: AppErrorCode | HttpProblemKind): string {
  return `/docs/api#problem-${kind.toLowerCase().replaceAll("_", "-")}`;
}

/** The fields a problem of a code carries next to the RFC 9457 ones, in the words the docs show. */
export const problemFields: Partial<Record<AppErrorCode, string>> = {
  VALIDATION_ERROR: "`fieldErrors`: the messages of each field",
  FORBIDDEN: "`requiredScope`: the scope the key lacks",
  INSUFFICIENT_CREDITS: "`requiredCredits` and `availableCredits`",
  RATE_LIMIT_EXCEEDED: "`retryAfterSeconds`, also as the `Retry-After` header",
  MAX_ACTIVE_JOBS: "`retryAfterSeconds`, also as the `Retry-After` header",
  BUDGET_EXCEEDED:
    "`budget`: which budget (`id`, `scope`, `period`, `apiKeyId`), `limitCredits`, `spentCredits`, `remainingCredits` " +
    "and `resetsAt` (null for a TOTAL budget, which never resets); nothing was charged",
};

export type ProblemTypeEntry = { type: string; status: number; title: string; code: AppErrorCode; when?: string; fields?: string };

/** Every problem type a response may carry, in the order the docs list them: the §4 codes, then the HTTP ones. */
export const problemTypes: ProblemTypeEntry[] = [
  ...appErrorCodes.map((code) => ({
    type: problemTypeOf(code), status: appErrors[code].http, title: appErrors[code].message, code, fields: problemFields[code],
  })),
  ...(Object.keys(httpProblems) as HttpProblemKind[]).map((kind) => ({
    type: problemTypeOf(kind), status: httpProblems[kind].status, title: httpProblems[kind].title, code: "VALIDATION_ERROR" as const, when: httpProblems[kind].when,
  })),
];
