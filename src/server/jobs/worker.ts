import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

import { Logger, run, type Runner } from "graphile-worker";

import type { JobsConfig } from "~/server/config";
import { withTransaction, type Db } from "~/server/db";
import { runCleanup } from "~/server/jobs/cleanup";
import { recordJobEvent } from "~/server/jobs/events";
import { enqueueJob, runJobTask } from "~/server/jobs/queue";
import { runJob } from "~/server/jobs/run";
import { logger } from "~/server/logger";
import type { GenerationProvider } from "~/server/providers/types";

export type WorkerOptions = {
  connectionString: string;
  db: Db;
  provider: GenerationProvider;
  config: JobsConfig;
  concurrency: number;
  /** Also run the cleanup every minute from graphile-worker's cron. */
  cronCleanup?: boolean;
};

export type WorkerHandle = { workerId: string; stop: () => Promise<void> };

const cleanupTask = "cleanup-stuck-jobs";
const pollIntervalMs = 1_000;

/** A worker id that names the machine and process, unique per start. */
function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/**
 * Starts graphile-worker with the job task (and the cleanup on cron). All
 * coordination goes through PostgreSQL, so any number of these may run in
 * any number of processes. `stop()` is graceful: in-flight jobs stop at
 * their next output and their leases are released (requeued), so another
 * worker picks them up at once instead of waiting for the lease to expire.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const workerId = newWorkerId();
  const shutdown = new AbortController();
  const deps = { db: options.db, provider: options.provider, config: options.config, workerId, shutdown: shutdown.signal };
  const runner: Runner = await run({
    connectionString: options.connectionString,
    concurrency: options.concurrency,
    maxPoolSize: options.concurrency + 2,
    noHandleSignals: true,
    pollInterval: pollIntervalMs,
    logger: graphileLogger,
    taskList: {
      [runJobTask]: async (payload) => {
        const { jobId } = payload as { jobId: string };
        await runJob(deps, jobId);
      },
      [cleanupTask]: async () => {
        await runCleanup(options.db, options.config);
      },
    },
    crontab: options.cronCleanup ? `* * * * * ${cleanupTask} ?max=1` : "",
  });
  logger.info({ workerId, concurrency: options.concurrency }, "worker started");
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      shutdown.abort();
      await runner.stop();
      const released = await releaseLeases(options.db, workerId);
      logger.info({ workerId, released }, "worker stopped");
    })();
    return stopping;
  };
  return { workerId, stop };
}

/**
 * Requeues the jobs this worker still holds, keeping their outputs. A
 * graceful release is not a failed attempt, so the attempt is given back
 * (the deadline still bounds a job whose workers keep restarting).
 */
export async function releaseLeases(client: Db, workerId: string): Promise<number> {
  return withTransaction(client, { label: "worker.release" }, async (tx) => {
    const released = await tx.$queryRaw<{ id: string }[]>`
      UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL,
        attempts = GREATEST(attempts - 1, 0), updated_at = clock_timestamp()
      WHERE status = 'PROCESSING' AND lease_owner = ${workerId}
      RETURNING id::text AS id`;
    for (const { id } of released) {
      await enqueueJob(tx, id);
      await recordJobEvent(tx, id, "recovered", workerId, { reason: "worker shutdown" });
    }
    return released.length;
  });
}

const graphileLogger = new Logger((scope) => (level, message, meta) => {
  const log = logger.child({ component: "graphile-worker", ...scope });
  if (level === "error") log.error(meta ?? {}, message);
  else if (level === "warning") log.warn(meta ?? {}, message);
  else log.debug(meta ?? {}, message);
});
