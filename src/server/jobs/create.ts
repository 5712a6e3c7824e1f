import { createHash } from "node:crypto";

import { findModel } from "~/server/catalog";
import type { JobsConfig } from "~/server/config";
import { Prisma, withTransaction, type Db, type Tx } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { chargeJob } from "~/server/ledger/charge";
import { lockUser, type LockedUser } from "~/server/ledger/lock-user";
import { recordJobEvent } from "~/server/jobs/events";
import { jobSelect, type JobView } from "~/server/jobs/job-row";
import { enqueueJob } from "~/server/jobs/queue";
import { logger } from "~/server/logger";

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

/**
 * Creates a job for one user intent and charges it, exactly once.
 *
 * One transaction, in this order: take the user's row lock; replay the job
 * if the idempotency key was seen (or refuse a reused key); check the active
 * and per-minute limits; charge the full cost; insert the job; enqueue it.
 * Everything commits together, so a refused request charges nothing and a
 * charged job is always queued. The lock makes concurrent requests of one
 * user run one after another, which is what keeps the limits exact; the
 * unique index on (user, key) is the guard behind the replay lookup.
 */
export async function createJob(
  client: Db,
  userId: string,
  input: CreateJobInput,
  config: JobsConfig,
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
  const result = await withTransaction(client, { label: "jobs.create" }, async (tx) => {
    const user = await lockUser(tx, userId);
    const replay = await findReplay(tx, userId, input.idempotencyKey, requestHash);
    if (replay) return { job: replay, replayed: true };
    await checkLimits(tx, userId, config);
    const totalCost = model.pricePerOutput * input.outputs;
    if (user.balance < totalCost) {
      throw new AppError("INSUFFICIENT_CREDITS", `You need ${totalCost - user.balance} more credits.`, {
        requiredCredits: totalCost - user.balance,
        availableCredits: user.balance,
      });
    }
    const job = await insertJob(tx, user, { ...input, pricePerOutput: model.pricePerOutput, requestHash }, config);
    return { job, replayed: false };
  });
  if (!result.replayed) {
    logger.info({ jobId: result.job.id, userId, cost: result.job.totalCost }, "job created and charged");
  }
  return result;
}

async function findReplay(tx: Tx, userId: string, idempotencyKey: string, requestHash: string) {
  const existing = await tx.job.findUnique({
    where: { userId_idempotencyKey: { userId, idempotencyKey } },
    select: { ...jobSelect, requestHash: true },
  });
  if (!existing) return null;
  if (existing.requestHash !== requestHash) throw new AppError("IDEMPOTENCY_KEY_REUSED");
  const { requestHash: _hash, ...job } = existing;
  return job;
}

type LimitCounts = { active: number; recent: number; retryAfterSeconds: number | null };

/** Active and per-minute limits, read under the user lock (so they are exact). */
async function checkLimits(tx: Tx, userId: string, config: JobsConfig): Promise<void> {
  const rows = await tx.$queryRaw<LimitCounts[]>`
    SELECT
      count(*) FILTER (WHERE status IN ('PENDING', 'PROCESSING'))::int AS active,
      count(*) FILTER (WHERE created_at > clock_timestamp() - make_interval(secs => ${rateWindowSeconds}))::int AS recent,
      ceil(extract(epoch FROM min(created_at) FILTER (
        WHERE created_at > clock_timestamp() - make_interval(secs => ${rateWindowSeconds}))
        + make_interval(secs => ${rateWindowSeconds}) - clock_timestamp()))::int AS "retryAfterSeconds"
    FROM job
    WHERE user_id = ${userId}
      AND (status IN ('PENDING', 'PROCESSING')
           OR created_at > clock_timestamp() - make_interval(secs => ${rateWindowSeconds}))`;
  const counts = rows[0];
  assert(counts, "limit counts returned one row");
  if (counts.recent >= config.rateLimitPerMinute) {
    throw new AppError("RATE_LIMIT_EXCEEDED", undefined, {
      retryAfterSeconds: Math.max(1, counts.retryAfterSeconds ?? rateWindowSeconds),
    });
  }
  if (counts.active >= config.maxActiveJobs) {
    throw new AppError("MAX_ACTIVE_JOBS", undefined, { activeJobs: counts.active });
  }
}

type NewJob = CreateJobInput & { pricePerOutput: number; requestHash: string };

async function insertJob(tx: Tx, user: LockedUser, input: NewJob, config: JobsConfig): Promise<JobView> {
  const totalCost = input.pricePerOutput * input.outputs;
  // created_at is the clock at insert time (not the transaction start), taken
  // while holding the user lock: the per-minute window counts real order.
  const inserted = await tx.$queryRaw<JobView[]>`
    INSERT INTO job (id, user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
                     idempotency_key, request_hash, deadline_at, created_at, updated_at)
    VALUES (gen_random_uuid(), ${user.id}, ${input.modelId}, ${input.prompt}, ${input.outputs},
            ${input.pricePerOutput}, ${totalCost}, ${input.idempotencyKey}, ${input.requestHash},
            clock_timestamp() + make_interval(secs => ${config.jobTimeoutMs / 1000}),
            clock_timestamp(), clock_timestamp())
    RETURNING ${jobViewReturning}`;
  const job = inserted[0];
  assert(job, "job inserted");
  await chargeJob(tx, user, { id: job.id, totalCost });
  await enqueueJob(tx, job.id);
  await recordJobEvent(tx, job.id, "created", null, { cost: totalCost, outputs: input.outputs });
  // Charging and enqueueing do not touch the job row: what the insert
  // returned is the job as it commits, so no second read is needed.
  return job;
}

/**
 * The columns of `jobSelect` as a RETURNING list, so the insert hands back
 * the job as clients see it. Typed by JobView: a field added to jobSelect
 * without its column here fails to compile. Constant text, no input.
 */
const jobViewColumns: Record<keyof JobView, string> = {
  id: "id::text", userId: "user_id", modelId: "model_id", prompt: "prompt",
  outputsRequested: "outputs_requested", pricePerOutput: "price_per_output", totalCost: "total_cost",
  status: "status::text", outputsDone: "outputs_done", outputsFailed: "outputs_failed", attempts: "attempts",
  errorCode: "error_code", errorMessage: "error_message", refundedAmount: "refunded_amount",
  deadlineAt: "deadline_at", createdAt: "created_at", startedAt: "started_at", finishedAt: "finished_at",
};
const jobViewReturning = Prisma.raw(
  Object.entries(jobViewColumns).map(([field, column]) => `${column} AS "${field}"`).join(", "),
);
