import { env } from "~/env.js";
import { startStandaloneWorker } from "~/server/queue/standalone";

/** A graceful stop that takes longer than this is cut short: the cleanup recovers what it left. */
const stopGraceMs = 3_000;

/**
 * The workers run in the web process by default; set WORKERS_IN_WEB=false
 * and run `npm run worker` to scale them apart. They start in the
 * background (the database may still be starting; the supervisor retries).
 * On SIGTERM/SIGINT the worker stops gracefully (releasing its leases)
 * before the process exits, within `stopGraceMs`.
 */
export async function startWorkersInWebProcess(): Promise<void> {
  if (!env.WORKERS_IN_WEB) return;
  const handle = await startStandaloneWorker();
  const stop = () => {
    setTimeout(() => process.exit(0), stopGraceMs).unref();
    void handle.stop().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
