import { createHash } from "node:crypto";

import { findModel } from "~/server/catalog";
import type { JobsConfig } from "~/server/config";
import { withAccountTransaction, withSerializableStatement, type Db, type Tx } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { jobViewColumnsOf, type JobView } from "~/server/jobs/job-row";
import { logger } from "~/server/logger";
import { startTimer } from "~/server/metrics";

export type CreateJobInput = {
  idempotencyKey: string;
  modelId: string;
  prompt: string;
  outputs: number;
};

export type CreateJobResult = { job: JobView; replayed: boolean };

const rateWindowSeconds = 60;

/** The hash that tells a replay (same request) from a reused key (another one). */
function hashJobRequest(input: Omit<CreateJobInput, "idempotencyKey">): string {
  const canonical = JSON.stringify([input.modelId, input.prompt, input.outputs]);
  return createHash("sha256").update(canonical).digest("hex");
}

type CreateOutcome = "CREATED" | "REPLAYED" | "KEY_REUSED" | "RATE_LIMITED" | "MAX_ACTIVE" | "INSUFFICIENT" | "NO_USER";
type CreateRow = JobView & { outcome: CreateOutcome; detail: number | null; available: number | null };

const createdJobColumns = jobViewColumnsOf("(r.j)");

/**
 * Creates a job for one user intent and charges it, exactly once.
 *
 * One SERIALIZABLE transaction, queued behind the account's other money
 * transactions of this process, whose one statement is `cw_create_job`
 * (prisma/migrations/…_money_functions): take the user's row lock; replay
 * the job if the idempotency key was seen (or refuse a reused key); check
 * the active and per-minute limits; charge the full cost; insert the job;
 * enqueue it. Everything commits together, so a refused request charges
 * nothing and a charged job is always queued; the unique index on (user,
 * key) is the guard behind the replay lookup.
 */
export async function createJob(
  client: Db,
  userId: string,
  input: CreateJobInput,
  config: JobsConfig,
  /**
   * Runs in the same transaction right after a job was created (not on a
   * replay or a refusal): what must commit with the job, such as the REST
   * API's stored response.
   */
  afterCreate?: (tx: Tx, result: CreateJobResult) => Promise<void>,
): Promise<CreateJobResult> {
  const model = findModel(input.modelId);
  if (!model) {
    throw new AppError("VALIDATION_ERROR", "Unknown model.", { fieldErrors: { modelId: ["Unknown model."] } });
  }
  // PostgreSQL text cannot hold U+0000: refuse it as bad input rather than
  // let the insert fail as an internal error.
  if (input.prompt.includes("\u0000")) {
    throw new AppError("VALIDATION_ERROR", "The prompt contains a NUL character.", {
      fieldErrors: { prompt: ["Remove the NUL character."] },
    });
  }
  const requestHash = hashJobRequest(input);
  const stopTimer = startTimer("createLatency");
  // Nothing to commit with the job: the one call is its own transaction.
  const transaction = afterCreate ? withAccountTransaction : withSerializableStatement;
  const row = await transaction(client, { label: "jobs.create", accountId: userId }, async (tx) => {
    const rows = await tx.$queryRaw<CreateRow[]>`
      SELECT r.outcome, r.detail, r.available, ${createdJobColumns}
      FROM cw_create_job(${userId}, ${input.idempotencyKey}, ${requestHash}, ${input.modelId}, ${input.prompt},
        ${input.outputs}::int, ${model.pricePerOutput}::int, ${config.jobTimeoutMs}::int, ${config.maxActiveJobs}::int,
        ${config.rateLimitPerMinute}::int, ${rateWindowSeconds}::int) AS r`;
    assert(rows.length === 1, "cw_create_job answers one row");
    const created = rows[0]!;
    if (afterCreate && created.outcome === "CREATED") {
      const { outcome: _outcome, detail: _detail, available: _available, ...job } = created;
      await afterCreate(tx, { job, replayed: false });
    }
    return created;
  });
  stopTimer();
  const { outcome, detail, available, ...job } = row;
  switch (outcome) {
    case "CREATED":
      logger.info({ jobId: job.id, userId, cost: job.totalCost }, "job created and charged");
      return { job, replayed: false };
    case "REPLAYED":
      return { job, replayed: true };
    case "KEY_REUSED":
      throw new AppError("IDEMPOTENCY_KEY_REUSED");
    case "RATE_LIMITED":
      throw new AppError("RATE_LIMIT_EXCEEDED", undefined, { retryAfterSeconds: detail ?? rateWindowSeconds });
    case "MAX_ACTIVE":
      throw new AppError("MAX_ACTIVE_JOBS", undefined, { activeJobs: detail ?? config.maxActiveJobs });
    case "INSUFFICIENT":
      throw new AppError("INSUFFICIENT_CREDITS", `You need ${detail} more credits.`, {
        requiredCredits: detail ?? 0,
        availableCredits: available ?? 0,
      });
    case "NO_USER":
      throw new AppError("UNAUTHORIZED", "This account no longer exists.");
  }
}
