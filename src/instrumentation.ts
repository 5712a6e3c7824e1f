/**
 * Runs once when the Next.js server starts. The workers (and the minute
 * cleanup on graphile-worker's cron) run in the web process by default;
 * set WORKERS_IN_WEB=false and run `npm run worker` to scale them apart.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("~/env.js");
  if (!env.WORKERS_IN_WEB) return;
  const { startStandaloneWorker } = await import("~/server/jobs/standalone");
  const handle = await startStandaloneWorker();
  const stop = () => void handle.stop().finally(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
