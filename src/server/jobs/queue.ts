import type { Tx } from "~/server/db";

/** The graphile-worker task that runs one generation job. */
export const runJobTask = "run-job";
const queueAttemptsMax = 5;

/**
 * Enqueues a job on graphile-worker in the caller's transaction: the queue
 * row commits or rolls back with the charge and the job, so there is no
 * window in which a paid job has no queue entry. A duplicate delivery is
 * harmless: the worker's claim only takes a PENDING job.
 */
export async function enqueueJob(tx: Tx, jobId: string): Promise<void> {
  await tx.$executeRaw`
    SELECT graphile_worker.add_job(${runJobTask}, json_build_object('jobId', ${jobId}::text), max_attempts := ${queueAttemptsMax})`;
}
