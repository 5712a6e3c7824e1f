import { env } from "~/env.js";
import { startStandaloneWorker } from "~/server/jobs/standalone";

/**
 * The workers run in the web process by default; set WORKERS_IN_WEB=false
 * and run `npm run worker` to scale them apart. On SIGTERM/SIGINT the
 * worker stops gracefully (releasing its leases) before the process exits.
 */
export async function startWorkersInWebProcess(): Promise<void> {
  if (!env.WORKERS_IN_WEB) return;
  const handle = await startStandaloneWorker();
  const stop = () => void handle.stop().finally(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
