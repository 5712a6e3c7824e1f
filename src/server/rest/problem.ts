import "server-only";

import type { z } from "zod";

import { answerableFailure } from "~/server/database/app-errors";
import { AppError, appErrors, type AppErrorCode, type AppErrorDetails } from "~/server/errors";
import { logger } from "~/server/logger";
import { httpProblems, problemTypeOf, type HttpProblemKind } from "~/server/rest/problem-types";

export { problemTypeOf };

/**
 * An RFC 9457 problem document with the SPEC §4 `code` and its fields
 * (`retryAfterSeconds`, `requiredCredits`, `fieldErrors`, …). `title` is
 * the same for every problem of a code; `detail` is about this occurrence.
 */
export type ProblemDocument = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: AppErrorCode;
  requiredScope?: string;
} & AppErrorDetails;

export type ProblemResponse = { status: number; body: ProblemDocument; headers: Record<string, string> };

/** A 429 that carries no wait of its own (too many active jobs) suggests this one. */
const activeJobsRetryAfterSeconds = 5;

/**
 * A failure of the HTTP layer itself (unknown route, wrong method, media
 * type, body size, missing Idempotency-Key, scope): a status that may
 * differ from the code's usual one, plus headers. `kind` names an HTTP
 * problem (405, 413, 415) with its own type and title (`httpProblem`).
 */
export class RestProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: AppErrorCode,
    detail: string,
    readonly extra: { requiredScope?: string; fieldErrors?: Record<string, string[]> } = {},
    readonly headers: Record<string, string> = {},
    readonly kind: HttpProblemKind | null = null,
  ) {
    super(detail);
    this.name = "RestProblem";
  }
}

/** A 405, 413 or 415: its own type and title, the code VALIDATION_ERROR (SPEC §4's closed set). */
export function httpProblem(kind: HttpProblemKind, detail: string, headers: Record<string, string> = {}): RestProblem {
  return new RestProblem(httpProblems[kind].status, "VALIDATION_ERROR", detail, {}, headers, kind);
}

function documentOf(status: number, code: AppErrorCode, detail: string, details: { requiredScope?: string } & AppErrorDetails, kind: HttpProblemKind | null = null): ProblemDocument {
  const title = kind ? httpProblems[kind].title : appErrors[code].message;
  return { type: problemTypeOf(kind ?? code), title, status, detail, code, ...details };
}

function fromAppError(error: AppError): ProblemResponse {
  const status = appErrors[error.code].http;
  const headers: Record<string, string> = {};
  const details: AppErrorDetails = { ...error.details };
  if (status === 429) {
    // The header and the field say the same whole number of seconds.
    details.retryAfterSeconds = Math.max(1, Math.ceil(details.retryAfterSeconds ?? activeJobsRetryAfterSeconds));
    headers["retry-after"] = String(details.retryAfterSeconds);
  }
  if (error.code === "UNAUTHORIZED") headers["www-authenticate"] = 'Bearer realm="creditworks"';
  if (error.code === "CONFLICT_RETRY") headers["retry-after"] = "1";
  return { status, headers, body: documentOf(status, error.code, error.message, details) };
}

/**
 * The problem response of anything a REST request threw. Expected failures
 * keep their code and message; a database failure that is not a bug gets
 * its typed code (a lost connection logged once, as every entry point
 * does); anything else is logged and answered as a generic 500,
 * never with a stack or an internal message.
 */
export function problemOf(error: unknown, context: { method: string; path: string }): ProblemResponse {
  if (error instanceof RestProblem) {
    return { status: error.status, headers: error.headers, body: documentOf(error.status, error.code, error.message, error.extra, error.kind) };
  }
  const typed = answerableFailure(error, { entry: "rest", ...context });
  if (typed) return fromAppError(typed);
  logger.error({ err: error, ...context }, "unexpected error in REST request");
  return fromAppError(new AppError("INTERNAL"));
}

/**
 * Parses `value` with `schema` or throws a 400 VALIDATION_ERROR problem with
 * field messages. An unknown field is named by its own key with our message
 * (zod reports it once, on the object, in words of its own).
 */
export function parseOrProblem<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    for (const path of keys) {
      const field = path.map(String).join(".") || "_";
      (fieldErrors[field] ??= []).push(issue.code === "unrecognized_keys" ? "Unknown field." : issue.message);
    }
  }
  throw new RestProblem(400, "VALIDATION_ERROR", `The ${what} is not valid.`, { fieldErrors });
}
