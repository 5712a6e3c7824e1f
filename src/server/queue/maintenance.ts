import "server-only";

import type { JobsConfig } from "~/server/config";
import type { Db } from "~/server/db";
import { refreshAdminRollups } from "~/server/admin/rollups";
import { runCleanup, type CleanupResult } from "~/server/jobs/cleanup";
import { logger } from "~/server/logger";
import { money } from "~/server/money";
import { purgeExpiredIdempotency } from "~/server/rest/idempotency";

export type CleanupSchedule = { stop: () => Promise<void> };

/** ±10 % of the interval, so that many processes do not sweep in lockstep. */
const jitterFraction = 0.1;

/**
 * Runs `pass` every `intervalMs` (±10 % jitter) at a fixed rate, start to
 * start and never two at once: a pass that takes long does not push the next
 * one a whole interval later (it starts as soon as the long one ends). The
 * pass handles its own errors.
 */
export function runAtFixedRate(intervalMs: number, pass: () => Promise<void>): CleanupSchedule {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  let startedAt = Date.now();
  const schedule = () => {
    if (stopped) return;
    const jitterMs = (Math.random() * 2 - 1) * jitterFraction * intervalMs;
    timer = setTimeout(tick, Math.max(0, startedAt + intervalMs + jitterMs - Date.now()));
    timer.unref();
  };
  const tick = () => {
    startedAt = Date.now();
    running = pass().finally(() => {
      running = null;
      schedule();
    });
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type MaintenanceResult = CleanupResult & {
  /** Admin roll-up hours closed; null when that step failed (logged). */
  rollupHoursClosed: number | null;
  /** Expired stored REST responses deleted; null when that step failed (logged). */
  idempotencyPurged: number | null;
  /** Budget spend rows opened ahead of their period; null when that step failed (logged). */
  budgetPeriodsOpened: number | null;
};

/**
 * The cleanup's batches (`runCleanup`, at most `cleanupBatchMax` jobs each)
 * one after the other until one is complete (every job stuck when it
 * started has ended), or one ended nothing (another cleanup holds what is
 * left), or the pass has run `cleanupPassMs`: a backlog of stuck jobs is
 * refunded in one pass, not one batch a minute. Dead workers are reaped
 * once, by the first batch. The counts are the batches' sums.
 */
export async function cleanUntilDone(client: Db, config: JobsConfig): Promise<CleanupResult> {
  const startedAt = performance.now();
  const total = await runCleanup(client, config);
  for (let last = total; !last.complete && last.failed + last.recovered > 0 && performance.now() - startedAt < config.cleanupPassMs; ) {
    last = await runCleanup(client, config, { reapDeadWorkers: false });
    total.recovered += last.recovered;
    total.failed += last.failed;
    total.refunded += last.refunded;
    total.scanned += last.scanned;
    total.grantsExpired += last.grantsExpired;
    total.complete = last.complete;
  }
  return total;
}

/**
 * One maintenance pass, the same from the timer and the cron route: the
 * cleanup until done (`cleanUntilDone`: stuck jobs, expired grants; it fails the pass when it fails),
 * then a bounded refresh of the admin roll-ups (hours whose jobs the cleanup
 * just ended may close) and the purge of expired stored REST responses —
 * each of those two logged and skipped when it fails: the admin stats read
 * the facts of any hour not rolled up yet, and an expired response is only
 * deleted later.
 */
export async function runMaintenancePass(client: Db, config: JobsConfig): Promise<MaintenanceResult> {
  const cleanup = await cleanUntilDone(client, config);
  const rollupHoursClosed = await refreshAdminRollups(client).catch((error: unknown) => {
    logger.warn({ err: error }, "admin roll-up refresh failed after the cleanup");
    return null;
  });
  const idempotencyPurged = await purgeExpiredIdempotency(client).catch((error: unknown) => {
    logger.warn({ err: error }, "purging expired idempotency responses failed after the cleanup");
    return null;
  });
  const budgetPeriodsOpened = await money.openBudgetPeriods(client).catch((error: unknown) => {
    logger.warn({ err: error }, "opening the next budget periods failed after the cleanup");
    return null;
  });
  return { ...cleanup, rollupHoursClosed, idempotencyPurged, budgetPeriodsOpened };
}

/**
 * Runs the maintenance pass every `intervalMs` in this process, on a plain
 * timer that depends on nothing but the database answering: a failed pass
 * (database down, connection dropped) is logged and the next one runs on
 * time. At a fixed rate, so a job is settled by its deadline plus one
 * interval and one pass (SPEC §3.8). The pass is safe to run concurrently
 * with itself, with workers and with the cron route, so every worker
 * process may run its own schedule; the route stays for hosts without a
 * long-lived process (Vercel Cron).
 */
export function startCleanupSchedule(client: Db, config: JobsConfig, intervalMs: number): CleanupSchedule {
  return runAtFixedRate(intervalMs, () =>
    runMaintenancePass(client, config).then(
      () => {},
      (error: unknown) => logger.warn({ err: error }, "scheduled cleanup failed; the next one runs on time"),
    ),
  );
}
