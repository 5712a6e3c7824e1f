import "server-only";

import { Gauge, Registry } from "prom-client";

import type { Db } from "~/server/db";
import { refreshAdminRollupsLazily } from "~/server/admin/rollups";
import { jobsByStatusAllTime } from "~/server/admin/stats";
import { processRegistry } from "~/server/metrics";
import { jobStatuses } from "~/server/money";

/** The Prometheus text format the exporters answer with (version 0.0.4). */
export const metricsContentType = processRegistry.contentType;

type DatabaseGauges = {
  registry: Registry;
  jobs: Gauge<"status">;
  queueDepth: Gauge;
  queueLocked: Gauge;
  queueOldestAge: Gauge;
  stuck: Gauge;
};

function createDatabaseGauges(): DatabaseGauges {
  const registry = new Registry();
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  return {
    registry,
    jobs: new Gauge({ name: "creditworks_jobs", help: "Jobs by status (all time).", labelNames: ["status"], registers: [registry] }),
    queueDepth: gauge("creditworks_queue_depth", "Queue entries waiting for a worker."),
    queueLocked: gauge("creditworks_queue_locked", "Queue entries being worked on."),
    queueOldestAge: gauge("creditworks_queue_oldest_age_seconds", "How long the oldest runnable queue entry has waited (0 when none waits)."),
    stuck: gauge("creditworks_stuck_jobs", "Active jobs past their deadline or with an expired lease."),
  };
}

const globalForGauges = globalThis as unknown as { creditworksDatabaseGauges?: DatabaseGauges };
const gauges = (globalForGauges.creditworksDatabaseGauges ??= createDatabaseGauges());

type LiveRow = { queued: number; locked: number; oldest: number; stuck: number };

/**
 * Reads the database gauges now: the same values for every process, so only
 * the web process exports them. Jobs by status come from the admin
 * roll-ups plus the open hours (milliseconds at 1M jobs, where a count over
 * the table took ~60 ms and grows with it); the queue and stuck jobs from
 * their indexes.
 */
async function readDatabaseGauges(client: Db): Promise<void> {
  refreshAdminRollupsLazily(client);
  const [byStatus, liveRows] = await Promise.all([
    jobsByStatusAllTime(client),
    client.$queryRaw<LiveRow[]>`
      SELECT
        (SELECT count(*)::int FROM graphile_worker.jobs WHERE locked_at IS NULL) AS queued,
        (SELECT count(*)::int FROM graphile_worker.jobs WHERE locked_at IS NOT NULL) AS locked,
        (SELECT COALESCE(extract(epoch FROM now() - min(run_at)), 0)::float8 FROM graphile_worker.jobs
          WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts) AS oldest,
        (SELECT count(*)::int FROM job WHERE (status = 'PROCESSING' AND lease_expires_at < now())
            OR (status IN ('PENDING', 'PROCESSING') AND deadline_at < now())) AS stuck`,
  ]);
  const live = liveRows[0] ?? { queued: 0, locked: 0, oldest: 0, stuck: 0 };
  for (const status of jobStatuses) gauges.jobs.set({ status }, byStatus.get(status) ?? 0);
  gauges.queueDepth.set(live.queued);
  gauges.queueLocked.set(live.locked);
  gauges.queueOldestAge.set(Math.max(0, live.oldest));
  gauges.stuck.set(live.stuck);
}

/**
 * What /api/metrics exports: this process's metrics (process, counters,
 * latency histograms; see src/server/metrics.ts) and the database gauges
 * read at scrape time.
 */
export async function collectMetrics(client: Db): Promise<string> {
  await readDatabaseGauges(client);
  return Registry.merge([processRegistry, gauges.registry]).metrics();
}
