import "server-only";

import type { JobsConfig } from "~/server/config";
import type { Db } from "~/server/db";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";
import { money } from "~/server/money";

export type CleanupResult = {
  recovered: number;
  failed: number;
  refunded: number;
  scanned: number;
  /** Queue rows unlocked because the worker pool holding them died. */
  unlocked: number;
  /** Grants closed by their expiry (their rest written off by an EXPIRE entry). */
  grantsExpired: number;
  /**
   * True when this pass ended every stuck job it found: it found fewer than
   * a batch and settled or recovered each (none was skipped for another
   * cleanup holding its account, none ended by someone else meanwhile). Every
   * job past its deadline when a complete pass starts is terminal when it ends.
   */
  complete: boolean;
};


/** A worker pool silent this many leases is dead (it says it is alive every third of one: src/server/queue/worker-registry.ts). */
export const deadPoolLeases = 2;

type StuckJob = { id: string; workspaceId: string; reason: "overdue" | "expired" };
type StuckRow = StuckJob & { found: number };

/**
 * At most `batchMax` stuck jobs, whole accounts first: the accounts of the
 * jobs longest overdue or lease-expired (two scans of at most `batchMax`
 * each, as before), each with every stuck job it has, the account whose
 * oldest stuck job is oldest first, so that an account's jobs settle in one
 * set-based pass rather than a few at a time over several passes. `found` is
 * how many the two scans found: fewer than `batchMax` means every stuck job
 * of the moment was found.
 */
async function findStuckJobs(client: Db, batchMax: number): Promise<{ found: number; stuck: StuckJob[] }> {
  // now() is this statement's start (it runs alone); the money functions check
  // each job's guard again against the clock. The accounts are sorted before
  // their jobs are read, so that only the first few accounts' jobs are (an
  // incremental sort under the LIMIT), each through the active jobs' index.
  const rows = await client.$queryRaw<StuckRow[]>`
    WITH due AS (
      (SELECT workspace_id, deadline_at AS due_at FROM job
        WHERE status IN ('PENDING', 'PROCESSING') AND deadline_at < now()
        ORDER BY deadline_at LIMIT ${batchMax})
      UNION ALL
      (SELECT workspace_id, lease_expires_at FROM job
        WHERE status = 'PROCESSING' AND lease_expires_at < now() AND deadline_at >= now()
        ORDER BY lease_expires_at LIMIT ${batchMax}))
    SELECT j.id::text AS id, a.workspace_id AS "workspaceId", j.reason, (SELECT count(*)::int FROM due) AS found
      FROM (SELECT workspace_id, min(due_at) AS first_due FROM due GROUP BY workspace_id ORDER BY first_due, workspace_id) a
      CROSS JOIN LATERAL (
        SELECT id, CASE WHEN deadline_at < now() THEN 'overdue' ELSE 'expired' END AS reason,
               least(deadline_at, lease_expires_at) AS due_at
          FROM job
         WHERE workspace_id = a.workspace_id AND status IN ('PENDING', 'PROCESSING')
           AND (deadline_at < now() OR (status = 'PROCESSING' AND lease_expires_at < now()))
         LIMIT ${batchMax}) j
     ORDER BY a.first_due, a.workspace_id, j.due_at, j.id
     LIMIT ${batchMax}`;
  return { found: rows[0]?.found ?? 0, stuck: rows.map(({ id, workspaceId, reason }) => ({ id, workspaceId, reason })) };
}
type AccountWork = { workspaceId: string; overdue: string[]; expired: string[] };

/**
 * Unlocks the queue rows of worker pools that died (unless told not to, as a
 * pass's later batches are: `reapDeadWorkers`:
 * their heartbeat stopped two leases ago), then ends or recovers stuck
 * jobs, at most `config.cleanupBatchMax` per call, whole accounts first
 * (`findStuckJobs`): jobs past their deadline are failed and their
 * undelivered outputs refunded; jobs whose worker died (lease expired) are
 * requeued with their finished outputs kept, until `maxAttempts`, then
 * failed. One statement per account (the money door's `cleanupAccount`),
 * which settles the account's stuck jobs as a set and re-checks every job's
 * condition, so concurrent cleanups and workers settle a job at most once;
 * the loser changes nothing. Concurrent cleanups (one schedule per worker
 * process, the cron route) divide the accounts: one skips an account another
 * is settling (its account lock, taken NOWAIT), instead of waiting for it
 * and retrying. The same pass sweeps the wallet (SPEC §7): every account
 * with a grant past its expiry or newly effective is brought up to the clock
 * in its transaction (cw_refresh_grants: one EXPIRE per grant, under the
 * user lock, whoever sweeps).
 */
export async function runCleanup(client: Db, config: JobsConfig, options: { reapDeadWorkers?: boolean } = {}): Promise<CleanupResult> {
  const unlocked = options.reapDeadWorkers === false ? 0 : await money.reapDeadWorkers(client, config.leaseMs * deadPoolLeases);
  const { found, stuck } = await findStuckJobs(client, config.cleanupBatchMax);
  const dueGrants = await client.$queryRaw<{ workspaceId: string }[]>`
    SELECT DISTINCT "workspaceId" FROM (
      (SELECT workspace_id AS "workspaceId" FROM credit_grant
        WHERE closed_at IS NULL AND expires_at <= clock_timestamp() ORDER BY expires_at LIMIT ${config.cleanupBatchMax})
      UNION ALL
      (SELECT workspace_id FROM credit_grant
        WHERE opened_at IS NULL AND closed_at IS NULL AND effective_at <= clock_timestamp()
        ORDER BY effective_at LIMIT ${config.cleanupBatchMax})) due`;
  const byAccount = new Map<string, AccountWork>();
  const workOf = (workspaceId: string) => {
    const work = byAccount.get(workspaceId) ?? { workspaceId, overdue: [], expired: [] };
    byAccount.set(workspaceId, work);
    return work;
  };
  for (const job of stuck) workOf(job.workspaceId)[job.reason].push(job.id);
  for (const { workspaceId } of dueGrants) workOf(workspaceId);
  const result: CleanupResult = {
    recovered: 0, failed: 0, refunded: 0, scanned: stuck.length, unlocked, grantsExpired: 0,
    complete: found < config.cleanupBatchMax && stuck.length < config.cleanupBatchMax,
  };
  // One account at a time: at SERIALIZABLE, two accounts' settlements touch
  // the same job index pages (a settled job's new row version is indexed
  // anew) and fail each other — measured on 2,000 stuck jobs: one at a time
  // 2.1 s and no retry, two side by side 3.0 s (24 retries), four 5.0 s (80).
  // Workers and other cleanups still run beside it.
  for (const work of byAccount.values()) {
    const counts = await money.cleanupAccount(client, {
      accountId: work.workspaceId, overdue: work.overdue, expired: work.expired, maxAttempts: config.maxAttempts,
    });
    if (counts.recovered + counts.failed < work.overdue.length + work.expired.length) result.complete = false;
    result.recovered += counts.recovered;
    result.failed += counts.failed;
    result.refunded += counts.refunded;
    result.grantsExpired += counts.grantsExpired;
  }
  increment("settlements", result.failed);
  increment("cleanupRecovered", result.recovered);
  increment("cleanupFailed", result.failed);
  increment("cleanupRefunded", result.refunded);
  increment("grantsExpired", result.grantsExpired);
  increment(result.complete ? "cleanupPassesComplete" : "cleanupPassesPartial");
  if (result.recovered + result.failed + result.unlocked + result.grantsExpired > 0) logger.info(result, "cleanup pass");
  return result;
}
