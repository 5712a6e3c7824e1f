/**
 * One worker process for the benchmark, exactly what `npm run worker` runs
 * (graphile-worker + the job task), configured by the environment
 * (WORKER_CONCURRENCY, SANDBOX_LATENCY_MS=0, …). SIGTERM stops it gracefully.
 */
import { startStandaloneWorker } from "~/server/queue/standalone";

const handle = await startStandaloneWorker({ cronCleanup: false });
process.once("SIGTERM", () => {
  void handle.stop().finally(() => process.exit(0));
});
