import "server-only";

import { findModel } from "~/server/catalog";
import type { JobsConfig } from "~/server/config";
import { withTransaction, type Db } from "~/server/db";
import { assert } from "~/server/errors";
import type { WorkerBatches } from "~/server/jobs/batches";
import { recordJobEvent } from "~/server/jobs/events";
import { logger } from "~/server/logger";
import { increment, startTimer } from "~/server/metrics";
import { money, type ClaimedJob, type OutputWrite } from "~/server/money";
import { ProviderError, type GeneratedOutput, type GenerationProvider } from "~/server/providers/types";

export type RunDeps = {
  db: Db;
  provider: GenerationProvider;
  config: JobsConfig;
  workerId: string;
  /** Aborted when the worker shuts down: the job is left to be released, not settled. */
  shutdown?: AbortSignal;
  /** A worker pool's batched claims and finishes (without: each job's own calls, a batch of one). */
  batches?: WorkerBatches;
};

export type Settlement = { status: string; refunded: number };

export type RunOutcome =
  | { kind: "not-claimed" }
  | { kind: "lease-lost" }
  | { kind: "settled"; settlement: Settlement | null };

/** An output generated (or failed) and not yet written. */
type PendingOutput = OutputWrite;

/** Thrown inside a fenced write when this worker no longer holds the lease. */
class LeaseLostError extends Error {}

/** The abort reason when the worker process is shutting down. */
export class WorkerShutdownError extends Error {}

const heartbeatsPerLease = 3;
/**
 * Outputs are written in batches at most this far apart: a slow generation
 * shows each output as it arrives (the job page polls every second), an
 * instant one writes all of them with its settlement, in one transaction.
 */
const outputFlushIntervalMs = 250;

/**
 * Runs one job on this worker: claim it with a lease, generate the missing
 * outputs (a recovered job keeps what it had), write them as they come, and
 * settle with the last of them in one transaction. Every write is fenced by
 * the lease (`lease_owner = workerId AND status = 'PROCESSING'`), so a
 * worker that lost its lease — cancelled, recovered by the cleanup, failed
 * by an admin — changes nothing from then on.
 */
export async function runJob(deps: RunDeps, jobId: string): Promise<RunOutcome> {
  const job = await claim(deps, jobId);
  if (!job) return { kind: "not-claimed" };
  const log = logger.child({ jobId, workspaceId: job.workspaceId, workerId: deps.workerId });
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
    const outputs = new OutputBatch(deps, job);
    const ending = await generateMissing(deps, job, outputs, abort.signal);
    if (ending.kind === "lease-lost") {
      increment("lateWritesIgnored");
      log.warn("lease lost: this worker's remaining work is discarded");
      if (!deps.shutdown?.aborted) await noteLeaseLost(deps, jobId);
      return ending;
    }
    const stopTimer = startTimer("settlementLatency");
    const settlement = await finishJob(deps, job, outputs.drain(), ending.result);
    stopTimer();
    if (!settlement) {
      increment("lateWritesIgnored");
      log.warn("late settlement ignored: the job was already settled");
      await noteLateWrite(deps, jobId);
    } else {
      increment("settlements");
      log.info({ status: settlement.status, refunded: settlement.refunded }, "job settled");
    }
    return { kind: "settled", settlement };
  } finally {
    clearInterval(heartbeat);
    clearTimeout(deadline);
    deps.shutdown?.removeEventListener("abort", onShutdown);
  }
}

async function claim(deps: RunDeps, jobId: string): Promise<ClaimedJob | null> {
  if (deps.batches) return deps.batches.claim(jobId);
  const [job] = await money.claimJobs(deps.db, { jobIds: [jobId], workerId: deps.workerId, leaseMs: deps.config.leaseMs, maxAttempts: deps.config.maxAttempts });
  return job ?? null;
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

type FinishResult = { status: "FAILED"; errorCode: string; errorMessage: string | null } | { status: null };
type Ending = { kind: "lease-lost" } | { kind: "finish"; result: FinishResult };

async function generateMissing(deps: RunDeps, job: ClaimedJob, outputs: OutputBatch, signal: AbortSignal): Promise<Ending> {
  const model = findModel(job.modelId);
  assert(model, `job ${job.id} names a model of the catalog`);
  const done = new Set(job.doneIndexes);
  for (let index = 0; index < job.outputsRequested; index++) {
    if (done.has(index)) continue;
    if (signal.aborted) return endingAfterAbort(outputs, signal);
    try {
      const output = await deps.provider.generate({
        jobId: job.id, modelId: job.modelId, kind: model.kind, prompt: job.prompt,
        index, outputs: job.outputsRequested, signal,
      });
      outputs.add(delivered(index, output));
    } catch (error) {
      if (signal.aborted) return endingAfterAbort(outputs, signal);
      if (error instanceof ProviderError && error.scope === "output") {
        outputs.add({ index, ok: false, mimeType: "text/plain", content: null, error: error.message });
      } else {
        const code = error instanceof ProviderError ? error.code : "PROVIDER_ERROR";
        const message = error instanceof ProviderError ? error.message : "The provider failed.";
        return { kind: "finish", result: { status: "FAILED", errorCode: code, errorMessage: message } };
      }
    }
    if (outputs.due() && !(await outputs.flush())) return { kind: "lease-lost" };
  }
  return { kind: "finish", result: { status: null } };
}

function delivered(index: number, output: GeneratedOutput): PendingOutput {
  return { index, ok: true, mimeType: output.mimeType, content: output.content, error: null };
}

async function endingAfterAbort(outputs: OutputBatch, signal: AbortSignal): Promise<Ending> {
  if (signal.reason instanceof WorkerShutdownError) {
    // Keep what was generated: the job is released and resumes from here.
    await outputs.flush().catch(() => false);
    return { kind: "lease-lost" };
  }
  if (signal.reason instanceof LeaseLostError) return { kind: "lease-lost" };
  return {
    kind: "finish",
    // The message of a timeout is the settlement's own (cw_job_error_message).
    result: { status: "FAILED", errorCode: "TIMEOUT", errorMessage: null },
  };
}

/**
 * The outputs generated and not yet written, written together every
 * `outputFlushIntervalMs` (and the rest with the settlement).
 */
class OutputBatch {
  private pending: PendingOutput[] = [];
  private flushedAt = performance.now();

  constructor(private readonly deps: RunDeps, private readonly job: ClaimedJob) {}

  add(output: PendingOutput): void {
    this.pending.push(output);
  }

  due(): boolean {
    return this.pending.length > 0 && performance.now() - this.flushedAt >= outputFlushIntervalMs;
  }

  drain(): PendingOutput[] {
    const drained = this.pending;
    this.pending = [];
    return drained;
  }

  /** Writes the pending outputs with the job's progress, fenced by the lease; false when it is gone. */
  async flush(): Promise<boolean> {
    const outputs = this.drain();
    this.flushedAt = performance.now();
    if (outputs.length === 0) return true;
    const written = await money.writeOutputs(this.deps.db, {
      jobId: this.job.id, workerId: this.deps.workerId, leaseMs: this.deps.config.leaseMs, outputs,
    });
    if (!written) await noteLateWrite(this.deps, this.job.id);
    return written;
  }
}

/**
 * Writes the last outputs and settles the job; null when the lease was gone.
 * A finish that delivers every output the job has left refunds nothing and
 * goes with the pool's other such finishes (`finishJobs`); one that may
 * refund settles alone (`finishJob`), as does a delivering finish that the
 * job row says would refund after all.
 */
async function finishJob(deps: RunDeps, job: ClaimedJob, outputs: PendingOutput[], result: FinishResult): Promise<Settlement | null> {
  const delivering = result.status === null && job.doneIndexes.length === 0 &&
    outputs.length === job.outputsRequested && outputs.every((output) => output.ok);
  if (delivering && deps.batches) {
    const outcome = await deps.batches.finishDelivering({ jobId: job.id, accountId: job.workspaceId, outputs });
    if (outcome === "SETTLED") return { status: "COMPLETED", refunded: 0 };
    if (outcome === "LEASE_LOST") return null;
  }
  return money.finishJob(deps.db, {
    jobId: job.id, accountId: job.workspaceId, workerId: deps.workerId, leaseMs: deps.config.leaseMs,
    outputsRequested: job.outputsRequested, earlierOutputs: job.doneIndexes.length, outputs,
    status: result.status, errorCode: result.status === "FAILED" ? result.errorCode : null,
    errorMessage: result.status === "FAILED" ? result.errorMessage : null,
  });
}

async function noteLeaseLost(deps: RunDeps, jobId: string): Promise<void> {
  await withTransaction(deps.db, { label: "jobs.leaseLost" }, (tx) => recordJobEvent(tx, jobId, "lease_lost", deps.workerId));
}

async function noteLateWrite(deps: RunDeps, jobId: string): Promise<void> {
  await withTransaction(deps.db, { label: "jobs.lateWrite" }, (tx) =>
    recordJobEvent(tx, jobId, "late_write_ignored", deps.workerId),
  );
}
