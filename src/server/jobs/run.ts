import { findModel } from "~/server/catalog";
import type { JobsConfig } from "~/server/config";
import { withTransaction, type Db } from "~/server/db";
import { assert } from "~/server/errors";
import { recordJobEvent } from "~/server/jobs/events";
import { settleJob, type Settlement } from "~/server/jobs/settle";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";
import { ProviderError, type GeneratedOutput, type GenerationProvider } from "~/server/providers/types";

export type RunDeps = {
  db: Db;
  provider: GenerationProvider;
  config: JobsConfig;
  workerId: string;
  /** Aborted when the worker shuts down: the job is left to be released, not settled. */
  shutdown?: AbortSignal;
};

export type RunOutcome =
  | { kind: "not-claimed" }
  | { kind: "lease-lost" }
  | { kind: "settled"; settlement: Settlement | null };

type ClaimedJob = {
  id: string;
  userId: string;
  modelId: string;
  prompt: string;
  outputsRequested: number;
  deadlineAt: Date;
  attempts: number;
};

/** Thrown inside a fenced write when this worker no longer holds the lease. */
class LeaseLostError extends Error {}

/** The abort reason when the worker process is shutting down. */
export class WorkerShutdownError extends Error {}

const heartbeatsPerLease = 3;

/**
 * Runs one job on this worker: claim it with a lease, generate the missing
 * outputs one by one (a recovered job keeps what it had), then settle. Every
 * write is fenced by the lease (`lease_owner = workerId AND status =
 * 'PROCESSING'`), so a worker that lost its lease — cancelled, recovered by
 * the cleanup, failed by an admin — changes nothing from then on.
 */
export async function runJob(deps: RunDeps, jobId: string): Promise<RunOutcome> {
  const job = await claimJob(deps, jobId);
  if (!job) return { kind: "not-claimed" };
  const log = logger.child({ jobId, userId: job.userId, workerId: deps.workerId });
  log.info({ attempt: job.attempts }, "job claimed");
  const abort = new AbortController();
  const heartbeat = setInterval(() => {
    void renewLease(deps, jobId).then((held) => {
      if (!held) abort.abort(new LeaseLostError("lease lost"));
    }, (error: unknown) => log.warn({ err: error }, "heartbeat failed"));
  }, Math.max(100, Math.floor(deps.config.leaseMs / heartbeatsPerLease)));
  const onShutdown = () => abort.abort(new WorkerShutdownError("worker shutting down"));
  deps.shutdown?.addEventListener("abort", onShutdown, { once: true });
  if (deps.shutdown?.aborted) onShutdown();
  const deadline = setTimeout(
    () => abort.abort(new Error("deadline")),
    Math.max(0, job.deadlineAt.getTime() - Date.now()),
  );
  try {
    const ending = await generateMissing(deps, job, abort.signal);
    if (ending.kind === "lease-lost") {
      increment("lateWritesIgnored");
      log.warn("lease lost: this worker's remaining work is discarded");
      if (!deps.shutdown?.aborted) {
        await withTransaction(deps.db, { label: "jobs.leaseLost" }, (tx) =>
          recordJobEvent(tx, jobId, "lease_lost", deps.workerId),
        );
      }
      return ending;
    }
    const settlement = await withTransaction(deps.db, { label: "jobs.settle" }, (tx) =>
      settleJob(tx, {
        jobId,
        guard: { kind: "lease", workerId: deps.workerId },
        actor: { type: "SYSTEM", id: deps.workerId },
        workerId: deps.workerId,
        ...ending.result,
      }),
    );
    if (!settlement) {
      increment("lateWritesIgnored");
      log.warn("late settlement ignored: the job was already settled");
      await noteLateWrite(deps, jobId);
    } else {
      log.info({ status: settlement.status, refunded: settlement.refunded }, "job settled");
    }
    return { kind: "settled", settlement };
  } finally {
    clearInterval(heartbeat);
    clearTimeout(deadline);
    deps.shutdown?.removeEventListener("abort", onShutdown);
  }
}

async function claimJob(deps: RunDeps, jobId: string): Promise<ClaimedJob | null> {
  return withTransaction(deps.db, { label: "jobs.claim" }, async (tx) => {
    const rows = await tx.$queryRaw<ClaimedJob[]>`
      UPDATE job SET
        status = 'PROCESSING', lease_owner = ${deps.workerId},
        lease_expires_at = clock_timestamp() + make_interval(secs => ${deps.config.leaseMs / 1000}),
        attempts = attempts + 1, started_at = COALESCE(started_at, clock_timestamp()),
        heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
      WHERE id = ${jobId}::uuid AND status = 'PENDING' AND deadline_at > clock_timestamp()
        AND attempts < ${deps.config.maxAttempts}
      RETURNING id::text AS id, user_id AS "userId", model_id AS "modelId", prompt,
        outputs_requested AS "outputsRequested", deadline_at AS "deadlineAt", attempts`;
    const job = rows[0];
    if (job) await recordJobEvent(tx, jobId, "claimed", deps.workerId, { attempt: job.attempts });
    return job ?? null;
  });
}

/**
 * Extends the lease and records the heartbeat on the job's timeline, in one
 * statement; false when this worker no longer holds the lease.
 */
async function renewLease(deps: RunDeps, jobId: string): Promise<boolean> {
  const recorded = await deps.db.$executeRaw`
    WITH renewed AS (
      UPDATE job SET
        lease_expires_at = clock_timestamp() + make_interval(secs => ${deps.config.leaseMs / 1000}),
        heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
      WHERE id = ${jobId}::uuid AND status = 'PROCESSING' AND lease_owner = ${deps.workerId}
      RETURNING id)
    INSERT INTO job_event (job_id, type, worker_id, created_at)
    SELECT id, 'heartbeat', ${deps.workerId}, clock_timestamp() FROM renewed`;
  return recorded === 1;
}

type Ending =
  | { kind: "lease-lost" }
  | {
      kind: "finish";
      result: { status: "COMPLETED" | "FAILED"; errorCode: string | null; errorMessage: string | null };
    };

async function generateMissing(deps: RunDeps, job: ClaimedJob, signal: AbortSignal): Promise<Ending> {
  const model = findModel(job.modelId);
  assert(model, `job ${job.id} names a model of the catalog`);
  const existing = await deps.db.jobOutput.findMany({ where: { jobId: job.id }, select: { index: true } });
  const done = new Set(existing.map((output) => output.index));
  for (let index = 0; index < job.outputsRequested; index++) {
    if (done.has(index)) continue;
    if (signal.aborted) return endingAfterAbort(signal);
    let output: GeneratedOutput;
    try {
      output = await deps.provider.generate({
        jobId: job.id, modelId: job.modelId, kind: model.kind, prompt: job.prompt,
        index, outputs: job.outputsRequested, signal,
      });
    } catch (error) {
      if (signal.aborted) return endingAfterAbort(signal);
      if (error instanceof ProviderError && error.scope === "output") {
        const written = await writeOutput(deps, job.id, index, { failed: error });
        if (!written) return { kind: "lease-lost" };
        continue;
      }
      const code = error instanceof ProviderError ? error.code : "PROVIDER_ERROR";
      const message = error instanceof ProviderError ? error.message : "The provider failed.";
      return { kind: "finish", result: { status: "FAILED", errorCode: code, errorMessage: message } };
    }
    const written = await writeOutput(deps, job.id, index, { output });
    if (!written) return { kind: "lease-lost" };
  }
  const counts = await deps.db.job.findUniqueOrThrow({ where: { id: job.id }, select: { outputsDone: true } });
  if (counts.outputsDone === 0) {
    return { kind: "finish", result: { status: "FAILED", errorCode: "ALL_OUTPUTS_FAILED", errorMessage: "No output could be generated." } };
  }
  return { kind: "finish", result: { status: "COMPLETED", errorCode: null, errorMessage: null } };
}

function endingAfterAbort(signal: AbortSignal): Ending {
  if (signal.reason instanceof LeaseLostError || signal.reason instanceof WorkerShutdownError) {
    return { kind: "lease-lost" };
  }
  return {
    kind: "finish",
    result: { status: "FAILED", errorCode: "TIMEOUT", errorMessage: "The job did not finish before its deadline." },
  };
}

/**
 * Writes one output and the job's progress together, fenced by the lease.
 * Returns false (and writes nothing) when the lease is gone.
 */
async function writeOutput(
  deps: RunDeps,
  jobId: string,
  index: number,
  outcome: { output: GeneratedOutput } | { failed: ProviderError },
): Promise<boolean> {
  const ok = "output" in outcome;
  try {
    await withTransaction(deps.db, { label: "jobs.writeOutput" }, async (tx) => {
      const progressed = await tx.$executeRaw`
        UPDATE job SET
          outputs_done = outputs_done + ${ok ? 1 : 0}, outputs_failed = outputs_failed + ${ok ? 0 : 1},
          lease_expires_at = clock_timestamp() + make_interval(secs => ${deps.config.leaseMs / 1000}),
          heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
        WHERE id = ${jobId}::uuid AND status = 'PROCESSING' AND lease_owner = ${deps.workerId}`;
      if (progressed !== 1) throw new LeaseLostError("lease lost");
      // The unique (job, index) makes a duplicate output impossible; a
      // conflict here means the lease fencing failed, so it must abort.
      await tx.jobOutput.create({
        data: {
          jobId, index, workerId: deps.workerId,
          status: ok ? "COMPLETED" : "FAILED",
          mimeType: ok ? outcome.output.mimeType : "text/plain",
          content: ok ? outcome.output.content : null,
          error: ok ? null : outcome.failed.message,
        },
      });
      await recordJobEvent(tx, jobId, ok ? "output" : "output_failed", deps.workerId, { index });
    });
    return true;
  } catch (error) {
    if (error instanceof LeaseLostError) {
      await noteLateWrite(deps, jobId);
      return false;
    }
    throw error;
  }
}

async function noteLateWrite(deps: RunDeps, jobId: string): Promise<void> {
  await withTransaction(deps.db, { label: "jobs.lateWrite" }, (tx) =>
    recordJobEvent(tx, jobId, "late_write_ignored", deps.workerId),
  );
}
