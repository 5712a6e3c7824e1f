import { TRPCError } from "@trpc/server";

import { AppError, type AppErrorCode } from "~/server/errors";

/** Jepsen-style: every operation is logged when invoked and when it returns. */
export type OpType = "invoke" | "ok" | "fail" | "unknown";
export type Op = { client: string; op: string; type: OpType; key?: string; value?: unknown; atMs: number };

/**
 * The appCode a client would read in `data.appCode` for a failure of a
 * server-side caller (the same mapping as the errorFormatter of trpc.ts).
 */
export function appCodeOf(error: unknown): AppErrorCode {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (cause instanceof AppError) return cause.code;
  if (error instanceof TRPCError) {
    if (error.code === "BAD_REQUEST" || error.code === "PARSE_ERROR") return "VALIDATION_ERROR";
    if (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN" || error.code === "NOT_FOUND") return error.code;
  }
  return "INTERNAL";
}

/**
 * The log of one run, and the problems found while reading it. A result is
 * "unknown" when the server could not say (a connection was killed under
 * it): the client then retries with the same idempotency key.
 */
export class History {
  readonly ops: Op[] = [];
  readonly problems: string[] = [];
  private readonly startedAt = Date.now();

  record(entry: Omit<Op, "atMs">): void {
    this.ops.push({ ...entry, atMs: Date.now() - this.startedAt });
  }

  problem(message: string): void {
    if (this.problems.length < 50) this.problems.push(message);
  }

  /** Runs `work` as one logged operation; returns its value or the failure's code. */
  async run<T>(client: string, op: string, key: string | undefined, work: () => Promise<T>) {
    this.record({ client, op, type: "invoke", key });
    try {
      const value = await work();
      this.record({ client, op, type: "ok", key });
      return { ok: true as const, value };
    } catch (error) {
      const code = appCodeOf(error);
      const unknown = code === "INTERNAL" || code === "CONFLICT_RETRY";
      this.record({ client, op, type: unknown ? "unknown" : "fail", key, value: code });
      return { ok: false as const, code, unknown };
    }
  }

  failCodes(): Record<string, number> {
    const codes: Record<string, number> = {};
    for (const entry of this.ops) {
      if (entry.type === "fail" || entry.type === "unknown") {
        const key = `${entry.op}:${String(entry.value)}`;
        codes[key] = (codes[key] ?? 0) + 1;
      }
    }
    return codes;
  }

  counts(): Record<string, Record<OpType, number>> {
    const counts: Record<string, Record<OpType, number>> = {};
    for (const entry of this.ops) {
      counts[entry.op] ??= { invoke: 0, ok: 0, fail: 0, unknown: 0 };
      counts[entry.op]![entry.type]++;
    }
    return counts;
  }
}
