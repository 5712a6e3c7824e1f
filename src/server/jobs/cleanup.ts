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

type StuckJob = { id: string; userId: string; reason: "overdue" | "expired" };
type AccountWork = { userId: string; overdue: string[]; expired: string[] };

/**
 * Unlocks the queue rows of worker pools that died (`reapDeadWorkers`:
 * their heartbeat stopped two leases ago), then ends or recovers stuck
 * jobs, at most `config.cleanupBatchMax` per call:
 * jobs past their deadline are failed and their undelivered outputs
 * refunded; jobs whose worker died (lease expired) are requeued with their
 * finished outputs kept, until `maxAttempts`, then failed. One transaction
 * per account (the money door's `cleanupAccount`), which re-checks every job's condition,
 * so concurrent cleanups and workers settle a job at most once; the loser
 * changes nothing. Concurrent cleanups (one schedule per worker process,
 * the cron route) divide the accounts: one skips an account another is
 * settling (an advisory lock), instead of waiting for it and retrying. The
 * same pass sweeps the wallet (SPEC §7): every account with a grant past its
 * expiry or newly effective is brought up to the clock in its transaction
 * (cw_refresh_grants: one EXPIRE per grant, under the user lock, whoever
 * sweeps).
 */
export async function runCleanup(client: Db, config: JobsConfig): Promise<CleanupResult> {
  const unlocked = await money.reapDeadWorkers(client, config.leaseMs * deadPoolLeases);
  const stuck = await client.$queryRaw<StuckJob[]>`
    (SELECT id::text AS id, user_id AS "userId", 'overdue' AS reason FROM job
      WHERE status IN ('PENDING', 'PROCESSING') AND deadline_at < clock_timestamp()
      ORDER BY deadline_at LIMIT ${config.cleanupBatchMax})
    UNION ALL
    (SELECT id::text, user_id, 'expired' FROM job
      WHERE status = 'PROCESSING' AND lease_expires_at < clock_timestamp() AND deadline_at >= clock_timestamp()
      ORDER BY lease_expires_at LIMIT ${config.cleanupBatchMax})`;
  const dueGrants = await client.$queryRaw<{ userId: string }[]>`
    SELECT DISTINCT "userId" FROM (
      (SELECT user_id AS "userId" FROM credit_grant
        WHERE closed_at IS NULL AND expires_at <= clock_timestamp() ORDER BY expires_at LIMIT ${config.cleanupBatchMax})
      UNION ALL
      (SELECT user_id FROM credit_grant
        WHERE opened_at IS NULL AND closed_at IS NULL AND effective_at <= clock_timestamp()
        ORDER BY effective_at LIMIT ${config.cleanupBatchMax})) due`;
  const batch = stuck.slice(0, config.cleanupBatchMax);
  const byAccount = new Map<string, AccountWork>();
  const workOf = (userId: string) => {
    const work = byAccount.get(userId) ?? { userId, overdue: [], expired: [] };
    byAccount.set(userId, work);
    return work;
  };
  for (const job of batch) workOf(job.userId)[job.reason].push(job.id);
  for (const { userId } of dueGrants) workOf(userId);
  const result: CleanupResult = {
    recovered: 0, failed: 0, refunded: 0, scanned: batch.length, unlocked, grantsExpired: 0,
    complete: stuck.length < config.cleanupBatchMax,
  };
  // One account at a time: at SERIALIZABLE, two accounts' settlements touch
  // the same job index pages (a settled job's new row version is indexed
  // anew) and fail each other — measured on 2,000 stuck jobs: one at a time
  // 2.1 s and no retry, two side by side 3.0 s (24 retries), four 5.0 s (80).
  // Workers and other cleanups still run beside it.
  for (const work of byAccount.values()) {
    const counts = await money.cleanupAccount(client, {
      accountId: work.userId, overdue: work.overdue, expired: work.expired, maxAttempts: config.maxAttempts,
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
