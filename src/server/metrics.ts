import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

/**
 * This process's metrics, on prom-client: process metrics (CPU, memory,
 * event loop lag, GC), counters and latency histograms. Every process
 * exports its own (the web process at /api/metrics, a worker process on
 * WORKER_METRICS_PORT): they restart at zero with the process and add up
 * across processes in Prometheus (`sum by (…) (rate(…))`). Gauges that live
 * in the database (jobs by status, queue depth, stuck jobs) are read at
 * scrape time by src/server/admin/prometheus.ts instead, on the web
 * process only.
 */

/** Counter name → Prometheus name and, for counters that share a name, its label. */
const counterSpecs = {
  conflictRetries: { name: "creditworks_conflict_retries_total", help: "Transactions retried after a serialization failure or deadlock." },
  conflictExhausted: { name: "creditworks_conflict_exhausted_total", help: "Transactions that gave up with CONFLICT_RETRY." },
  connectionRetries: { name: "creditworks_connection_retries_total", help: "Statements or transactions repeated after their connection dropped." },
  databaseUnavailable: { name: "creditworks_database_unavailable_total", help: "Calls that gave up because the database did not answer." },
  workerRestarts: { name: "creditworks_worker_restarts_total", help: "Worker pools replaced after a runner died or the pool stopped." },
  settlements: { name: "creditworks_settlements_total", help: "Jobs settled by this process." },
  lateWritesIgnored: { name: "creditworks_late_writes_ignored_total", help: "Worker writes to a job it no longer held, ignored." },
  cleanupRecovered: { name: "creditworks_cleanup_jobs_total", help: "Jobs handled by the cleanup in this process, by result.", result: "recovered" },
  cleanupFailed: { name: "creditworks_cleanup_jobs_total", help: "Jobs handled by the cleanup in this process, by result.", result: "failed" },
  cleanupRefunded: { name: "creditworks_cleanup_jobs_total", help: "Jobs handled by the cleanup in this process, by result.", result: "refunded" },
  grantsExpired: { name: "creditworks_grants_expired_total", help: "Grants closed by their expiry in this process." },
  cleanupPassesComplete: {
    name: "creditworks_cleanup_passes_total",
    help: "Cleanup passes this process finished, by result: complete (every stuck job found was ended) or partial.",
    result: "complete",
  },
  cleanupPassesPartial: {
    name: "creditworks_cleanup_passes_total",
    help: "Cleanup passes this process finished, by result: complete (every stuck job found was ended) or partial.",
    result: "partial",
  },
  webhooksDelivered: { name: "creditworks_webhook_attempts_total", help: "Webhook delivery attempts made by this process, by result.", result: "delivered" },
  webhooksRetried: { name: "creditworks_webhook_attempts_total", help: "Webhook delivery attempts made by this process, by result.", result: "retry" },
  webhooksFailed: { name: "creditworks_webhook_attempts_total", help: "Webhook delivery attempts made by this process, by result.", result: "failed" },
  webhookEndpointsDisabled: { name: "creditworks_webhook_endpoints_disabled_total", help: "Webhook endpoints disabled after failing for a whole retry window." },
} as const satisfies Record<string, { name: string; help: string; result?: string }>;

export type CounterName = keyof typeof counterSpecs;

/**
 * Latency histograms, in seconds. The money path observes them (see
 * `observe`); the buckets span a fast local transaction to a slow, retried one.
 */
const histogramSpecs = {
  /** jobs.create: from the request reaching the domain function to its commit, retries included. */
  createLatency: {
    name: "creditworks_job_create_seconds",
    help: "Time to create (charge, insert and enqueue) one job, retries included.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  /** One settlement (refund of what was not delivered and the terminal status), start to commit. */
  settlementLatency: {
    name: "creditworks_job_settlement_seconds",
    help: "Time to settle one job (refund and terminal status), start to commit, retries included.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  /** From when a queued job became runnable to when a worker claimed it. */
  queueLag: {
    name: "creditworks_queue_lag_seconds",
    help: "Time a job waited in the queue, from runnable to claimed by a worker.",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
  },
} as const;

export type HistogramName = keyof typeof histogramSpecs;

type ProcessMetrics = {
  registry: Registry;
  counters: Map<string, Counter<"result">>;
  histograms: Map<HistogramName, Histogram>;
};

function createProcessMetrics(): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counters = new Map<string, Counter<"result">>();
  for (const spec of Object.values(counterSpecs)) {
    if (counters.has(spec.name)) continue;
    const labelled = "result" in spec;
    const counter = new Counter({ name: spec.name, help: spec.help, labelNames: labelled ? ["result"] : [], registers: [registry] });
    counters.set(spec.name, counter);
  }
  // Every labelled series exists from the start (at 0), so a rate() is defined before the first event.
  for (const spec of Object.values(counterSpecs)) {
    if ("result" in spec) counters.get(spec.name)!.inc({ result: spec.result }, 0);
  }
  const histograms = new Map<HistogramName, Histogram>();
  for (const [key, spec] of Object.entries(histogramSpecs) as [HistogramName, (typeof histogramSpecs)[HistogramName]][]) {
    histograms.set(key, new Histogram({ name: spec.name, help: spec.help, buckets: [...spec.buckets], registers: [registry] }));
  }
  return { registry, counters, histograms };
}

// One set per process, surviving Next.js dev reloads (a second registration
// of the same name would throw).
const globalForMetrics = globalThis as unknown as { creditworksMetrics?: ProcessMetrics };
const metrics = (globalForMetrics.creditworksMetrics ??= createProcessMetrics());

/** The registry every process metric is in (for the exporters). */
export const processRegistry: Registry = metrics.registry;

/**
 * Plain values of the counters, for code and tests that read one directly;
 * kept equal to the exported counters by `increment`.
 */
export const counters: Record<CounterName, number> = {
  conflictRetries: 0,
  conflictExhausted: 0,
  connectionRetries: 0,
  databaseUnavailable: 0,
  workerRestarts: 0,
  settlements: 0,
  lateWritesIgnored: 0,
  cleanupRecovered: 0,
  cleanupFailed: 0,
  cleanupRefunded: 0,
  grantsExpired: 0,
  cleanupPassesComplete: 0,
  cleanupPassesPartial: 0,
  webhooksDelivered: 0,
  webhooksRetried: 0,
  webhooksFailed: 0,
  webhookEndpointsDisabled: 0,
};

/** Adds `by` (≥ 0) to a counter of this process. */
export function increment(name: CounterName, by = 1): void {
  if (!(by >= 0)) return;
  counters[name] += by;
  const spec = counterSpecs[name];
  const counter = metrics.counters.get(spec.name)!;
  if ("result" in spec) counter.inc({ result: spec.result }, by);
  else counter.inc(by);
}

/** Records one latency, in seconds, in a histogram of this process. */
export function observe(name: HistogramName, seconds: number): void {
  if (!Number.isFinite(seconds) || seconds < 0) return;
  metrics.histograms.get(name)!.observe(seconds);
}

/** Starts a clock; calling the result records the seconds elapsed in `name`. */
export function startTimer(name: HistogramName): () => void {
  const startedAt = performance.now();
  return () => observe(name, (performance.now() - startedAt) / 1000);
}
