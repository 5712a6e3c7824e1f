/**
 * Process-local counters, exported in Prometheus format by /api/metrics.
 * Gauges that live in the database (jobs by status, queue depth) are read
 * there at scrape time instead.
 */
export const counters = {
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
};

export type CounterName = keyof typeof counters;

export function increment(name: CounterName, by = 1): void {
  counters[name] += by;
}
