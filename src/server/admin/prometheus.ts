import type { Db } from "~/server/db";
import { jobStatuses } from "~/server/jobs/job-row";
import { counters } from "~/server/metrics";

type Sample = { labels?: Record<string, string>; value: number };
type Metric = { name: string; help: string; type: "gauge" | "counter"; samples: Sample[] };

const escapeLabel = (value: string) => value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');

/** The Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(metrics: Metric[]): string {
  const lines: string[] = [];
  for (const metric of metrics) {
    lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
    for (const sample of metric.samples) {
      const labels = Object.entries(sample.labels ?? {}).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
      lines.push(`${metric.name}${labels.length > 0 ? `{${labels.join(",")}}` : ""} ${sample.value}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Everything /api/metrics exports: gauges read from PostgreSQL at scrape
 * time (shared by every process: jobs by status, queue depth, stuck jobs)
 * and this process's counters (settlements, conflict retries, cleanup
 * results). Counters restart at zero with the process, as Prometheus expects.
 */
export async function collectMetrics(client: Db): Promise<string> {
  const [statusRows, liveRows] = await Promise.all([
    client.$queryRaw<{ status: string; count: number }[]>`
      SELECT status::text AS status, count(*)::int AS count FROM job GROUP BY status`,
    client.$queryRaw<{ queued: number; locked: number; stuck: number }[]>`
      SELECT
        (SELECT count(*)::int FROM graphile_worker.jobs WHERE locked_at IS NULL) AS queued,
        (SELECT count(*)::int FROM graphile_worker.jobs WHERE locked_at IS NOT NULL) AS locked,
        (SELECT count(*)::int FROM job WHERE (status = 'PROCESSING' AND lease_expires_at < now())
            OR (status IN ('PENDING', 'PROCESSING') AND deadline_at < now())) AS stuck`,
  ]);
  const byStatus = new Map(statusRows.map((row) => [row.status, row.count]));
  const live = liveRows[0] ?? { queued: 0, locked: 0, stuck: 0 };
  const counter = (name: string, help: string, value: number): Metric => ({ name, help, type: "counter", samples: [{ value }] });
  return renderPrometheus([
    {
      name: "creditworks_jobs",
      help: "Jobs by status (all time).",
      type: "gauge",
      samples: jobStatuses.map((status) => ({ labels: { status }, value: byStatus.get(status) ?? 0 })),
    },
    { name: "creditworks_queue_depth", help: "Queue entries waiting for a worker.", type: "gauge", samples: [{ value: live.queued }] },
    { name: "creditworks_queue_locked", help: "Queue entries being worked on.", type: "gauge", samples: [{ value: live.locked }] },
    { name: "creditworks_stuck_jobs", help: "Active jobs past their deadline or with an expired lease.", type: "gauge", samples: [{ value: live.stuck }] },
    counter("creditworks_settlements_total", "Jobs settled by this process.", counters.settlements),
    counter("creditworks_conflict_retries_total", "Transactions retried after a serialization failure or deadlock.", counters.conflictRetries),
    counter("creditworks_conflict_exhausted_total", "Transactions that gave up with CONFLICT_RETRY.", counters.conflictExhausted),
    counter("creditworks_connection_retries_total", "Statements or transactions repeated after their connection dropped.", counters.connectionRetries),
    counter("creditworks_database_unavailable_total", "Calls that gave up because the database did not answer.", counters.databaseUnavailable),
    counter("creditworks_late_writes_ignored_total", "Worker writes to a job it no longer held, ignored.", counters.lateWritesIgnored),
    {
      name: "creditworks_cleanup_jobs_total",
      help: "Jobs handled by the cleanup in this process, by result.",
      type: "counter",
      samples: [
        { labels: { result: "recovered" }, value: counters.cleanupRecovered },
        { labels: { result: "failed" }, value: counters.cleanupFailed },
        { labels: { result: "refunded" }, value: counters.cleanupRefunded },
      ],
    },
  ]);
}
