import type { JobsConfig } from "~/server/config";
import { withTransaction, type Db } from "~/server/db";
import { recordJobEvent } from "~/server/jobs/events";
import { enqueueJob } from "~/server/jobs/queue";
import { settleJob } from "~/server/jobs/settle";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";

export type CleanupResult = { recovered: number; failed: number; refunded: number; scanned: number };

const cleanupActor = { type: "SYSTEM", id: "cleanup" } as const;

/**
 * Jobs settled at once within one call. Each job is still its own
 * transaction (user lock, then job row: the one lock order, so no
 * deadlock); running a few side by side hides the round trips, which is
 * what bounded a sequential pass (10,000 stuck jobs took 38 s, see
 * bench/README.md). Small next to DATABASE_POOL_MAX so requests keep
 * connections.
 */
const cleanupConcurrency = 8;

/** Runs `work` on every item, at most `cleanupConcurrency` at a time; rejects with the first failure. */
async function forEachConcurrently<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(cleanupConcurrency, items.length) }, lane));
}

/**
 * Ends or recovers stuck jobs, at most `config.cleanupBatchMax` per call:
 * jobs past their deadline are failed and refunded; jobs whose worker died
 * (lease expired) are requeued with their finished outputs kept, until
 * `maxAttempts`, then failed and refunded. Each job is handled in its own
 * transaction whose UPDATE re-checks the condition, so concurrent cleanups
 * and workers settle a job at most once; the loser changes nothing.
 */
export async function runCleanup(client: Db, config: JobsConfig): Promise<CleanupResult> {
  const result: CleanupResult = { recovered: 0, failed: 0, refunded: 0, scanned: 0 };
  const overdue = await client.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM job
    WHERE status IN ('PENDING', 'PROCESSING') AND deadline_at < clock_timestamp()
    ORDER BY deadline_at LIMIT ${config.cleanupBatchMax}`;
  await forEachConcurrently(overdue, async ({ id }) => {
    result.scanned++;
    const settlement = await withTransaction(client, { label: "cleanup.timeout" }, (tx) =>
      settleJob(tx, {
        jobId: id, status: "FAILED", guard: { kind: "overdue" }, actor: cleanupActor,
        errorCode: "TIMEOUT", errorMessage: "The job did not finish before its deadline.",
      }),
    );
    if (settlement) countFailure(result, settlement.refunded);
  });
  const budget = config.cleanupBatchMax - overdue.length;
  if (budget <= 0) return finish(result);
  const expired = await client.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM job
    WHERE status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
    ORDER BY lease_expires_at LIMIT ${budget}`;
  await forEachConcurrently(expired, async ({ id }) => {
    result.scanned++;
    await recoverOrFail(client, config, id, result);
  });
  return finish(result);
}

async function recoverOrFail(client: Db, config: JobsConfig, jobId: string, result: CleanupResult) {
  const outcome = await withTransaction(client, { label: "cleanup.recover" }, async (tx) => {
    const requeued = await tx.$queryRaw<{ attempts: number }[]>`
      UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL,
        updated_at = clock_timestamp()
      WHERE id = ${jobId}::uuid AND status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
        AND attempts < ${config.maxAttempts} AND deadline_at > clock_timestamp()
      RETURNING attempts`;
    if (requeued[0]) {
      await enqueueJob(tx, jobId);
      await recordJobEvent(tx, jobId, "recovered", null, { attempts: requeued[0].attempts });
      return { kind: "recovered" } as const;
    }
    const settlement = await settleJob(tx, {
      jobId, status: "FAILED", guard: { kind: "lease-expired" }, actor: cleanupActor,
      errorCode: "WORKER_LOST", errorMessage: `The worker stopped responding ${config.maxAttempts} times.`,
    });
    return settlement ? ({ kind: "failed", refunded: settlement.refunded } as const) : null;
  });
  if (outcome?.kind === "recovered") result.recovered++;
  if (outcome?.kind === "failed") countFailure(result, outcome.refunded);
}

function countFailure(result: CleanupResult, refunded: number) {
  result.failed++;
  if (refunded > 0) result.refunded++;
}

function finish(result: CleanupResult): CleanupResult {
  increment("cleanupRecovered", result.recovered);
  increment("cleanupFailed", result.failed);
  increment("cleanupRefunded", result.refunded);
  if (result.scanned > 0) logger.info(result, "cleanup pass");
  return result;
}
