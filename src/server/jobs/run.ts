import { findModel } from "~/server/catalog";
import type { JobsConfig } from "~/server/config";
import { withAccountTransaction, withSerializableStatement, withTransaction, type Db } from "~/server/db";
import { assert } from "~/server/errors";
import { recordJobEvent } from "~/server/jobs/events";
import { logger } from "~/server/logger";
import { increment, startTimer } from "~/server/metrics";
import { ProviderError, type GeneratedOutput, type GenerationProvider } from "~/server/providers/types";

export type RunDeps = {
  db: Db;
  provider: GenerationProvider;
  config: JobsConfig;
  workerId: string;
  /** Aborted when the worker shuts down: the job is left to be released, not settled. */
  shutdown?: AbortSignal;
};

export type Settlement = { status: string; refunded: number };

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
  doneIndexes: number[];
};

/** An output generated (or failed) and not yet written. */
type PendingOutput = { index: number; ok: boolean; mimeType: string; content: string | null; error: string | null };

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

type ClaimRow = Omit<ClaimedJob, "doneIndexes"> & { doneIndexes: number[] | null };

/** Takes a PENDING job with a lease (one statement: `cw_claim_job`), with the outputs it already has. */
async function claimJob(deps: RunDeps, jobId: string): Promise<ClaimedJob | null> {
  const rows = await withSerializableStatement(deps.db, { label: "jobs.claim" }, (db) => db.$queryRaw<ClaimRow[]>`
    SELECT (r.j).id::text AS id, (r.j).user_id AS "userId", (r.j).model_id AS "modelId", (r.j).prompt,
      (r.j).outputs_requested AS "outputsRequested", (r.j).deadline_at AS "deadlineAt", (r.j).attempts,
      r.done_indexes AS "doneIndexes"
    FROM cw_claim_job(${jobId}::uuid, ${deps.workerId}, ${deps.config.leaseMs}::int, ${deps.config.maxAttempts}::int) AS r`);
  const row = rows[0];
  return row ? { ...row, doneIndexes: row.doneIndexes ?? [] } : null;
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

type FinishResult = { status: "FAILED"; errorCode: string; errorMessage: string } | { status: null };
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
    result: { status: "FAILED", errorCode: "TIMEOUT", errorMessage: "The job did not finish before its deadline." },
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
    const written = await withSerializableStatement(this.deps.db, { label: "jobs.writeOutputs" }, async (db) => {
      const rows = await db.$queryRaw<{ written: boolean }[]>`
        SELECT cw_write_outputs(${this.job.id}::uuid, ${this.deps.workerId}, ${this.deps.config.leaseMs}::int,
          ${outputs.map((o) => o.index)}::int[], ${outputs.map((o) => o.ok)}::boolean[], ${outputs.map((o) => o.mimeType)}::text[],
          ${outputs.map((o) => o.content)}::text[], ${outputs.map((o) => o.error)}::text[]) AS written`;
      return rows[0]?.written === true;
    });
    if (!written) await noteLateWrite(this.deps, this.job.id);
    return written;
  }
}

/**
 * Writes the last outputs and settles the job in one transaction of the
 * owner's account (`cw_finish_job`, fenced by the lease): null when the
 * lease was gone (nothing written). A job that ends with every output
 * delivered by this call returns no credit: its settlement is sent alone
 * (one round trip). One that may refund — reading and writing the
 * account's balance, ledger and grants beside other processes' cleanups —
 * runs in an interactive transaction (see withSerializableStatement).
 */
async function finishJob(deps: RunDeps, job: ClaimedJob, outputs: PendingOutput[], result: FinishResult): Promise<Settlement | null> {
  const errorCode = result.status === "FAILED" ? result.errorCode : null;
  const errorMessage = result.status === "FAILED" ? result.errorMessage : null;
  // Every output written by this call and delivered (none from an earlier
  // attempt, which may have failed): nothing to refund.
  const deliversAll = result.status === null && job.doneIndexes.length === 0 &&
    outputs.length === job.outputsRequested && outputs.every((output) => output.ok);
  const transaction = deliversAll ? withSerializableStatement : withAccountTransaction;
  const rows = await transaction(deps.db, { label: "jobs.finish", accountId: job.userId }, (tx) => tx.$queryRaw<
    { outcome: "SETTLED" | "LEASE_LOST"; status: string | null; refunded: number }[]
  >`
    SELECT r.outcome, r.status, r.refunded
    FROM cw_finish_job(${job.id}::uuid, ${deps.workerId}, ${deps.config.leaseMs}::int,
      ${outputs.map((o) => o.index)}::int[], ${outputs.map((o) => o.ok)}::boolean[], ${outputs.map((o) => o.mimeType)}::text[],
      ${outputs.map((o) => o.content)}::text[], ${outputs.map((o) => o.error)}::text[],
      ${result.status}::"JobStatus", ${errorCode}, ${errorMessage}) AS r`);
  const row = rows[0];
  assert(row, "cw_finish_job answers one row");
  return row.outcome === "SETTLED" ? { status: row.status ?? "", refunded: row.refunded } : null;
}

async function noteLeaseLost(deps: RunDeps, jobId: string): Promise<void> {
  await withTransaction(deps.db, { label: "jobs.leaseLost" }, (tx) => recordJobEvent(tx, jobId, "lease_lost", deps.workerId));
}

async function noteLateWrite(deps: RunDeps, jobId: string): Promise<void> {
  await withTransaction(deps.db, { label: "jobs.lateWrite" }, (tx) =>
    recordJobEvent(tx, jobId, "late_write_ignored", deps.workerId),
  );
}
