import "server-only";

import { hostname } from "node:os";

import type { Db } from "~/server/db";
import { logger } from "~/server/logger";

/**
 * The registry of live worker pools (table worker_process): a pool says
 * which graphile-worker ids lock its queue rows and keeps saying it is
 * alive, so that the cleanup can unlock the queue rows of a pool that died
 * (cw_reap_dead_workers) and health can tell live locks from dead ones.
 *
 * graphile-worker itself unlocks a row only after its four-hour lock
 * timeout (resetLockedAt, unchanged in 0.18.0); recovering a dead worker's
 * jobs sooner is a Worker Pro feature. Since 0.17 a row is locked by its
 * worker pool's id (`WorkerPool.id`), not by a runner's: the column
 * `runner_ids` holds that one id.
 */
export type PoolRegistration = { stop: () => Promise<void> };

/** How often a pool says it is alive: a third of the lease, like a job's heartbeat. */
export const registryHeartbeatsPerLease = 3;

/**
 * Registers the pool `workerId` with the ids that lock its queue rows and heartbeats every
 * `leaseMs / 3` until stopped; a failed heartbeat (database away) is retried
 * on the next tick, and a pool the cleanup reaped meanwhile registers again.
 * `stop()` removes the registration.
 */
export function registerPool(db: Db, workerId: string, lockOwnerIds: () => string[], leaseMs: number): PoolRegistration {
  const register = () => db.$executeRaw`
    INSERT INTO worker_process (worker_id, runner_ids, host, pid)
    VALUES (${workerId}, ${lockOwnerIds()}::text[], ${hostname()}, ${process.pid})
    ON CONFLICT (worker_id) DO UPDATE SET runner_ids = EXCLUDED.runner_ids, heartbeat_at = clock_timestamp()`;
  const beat = async () => {
    const touched = await db.$executeRaw`
      UPDATE worker_process SET heartbeat_at = clock_timestamp(), runner_ids = ${lockOwnerIds()}::text[]
      WHERE worker_id = ${workerId}`;
    if (touched === 0) await register();
  };
  let stopped = false;
  const timer = setInterval(() => {
    if (!stopped) beat().catch((error: unknown) => logger.debug({ err: error, workerId }, "pool heartbeat failed"));
  }, Math.max(100, Math.floor(leaseMs / registryHeartbeatsPerLease)));
  timer.unref();
  register().catch((error: unknown) => logger.debug({ err: error, workerId }, "pool registration failed; the heartbeat retries"));
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await db.$executeRaw`DELETE FROM worker_process WHERE worker_id = ${workerId}`.catch(() => {});
    },
  };
}

export type QueueLocks = { queued: number; lockedLive: number; lockedDead: number };

/**
 * Queue rows waiting, locked by pools that are alive, and locked by pools
 * that are not (a dead one's, until the cleanup unlocks them). One
 * parameter: how many seconds of silence make a pool dead. Plain SQL, so
 * the health check's own pool can run it too.
 */
export const queueLocksSql = `
  SELECT count(*) FILTER (WHERE j.locked_at IS NULL)::int AS queued,
    count(*) FILTER (WHERE j.locked_at IS NOT NULL AND live.worker_id IS NOT NULL)::int AS "lockedLive",
    count(*) FILTER (WHERE j.locked_at IS NOT NULL AND live.worker_id IS NULL)::int AS "lockedDead"
  FROM graphile_worker.jobs j
  LEFT JOIN LATERAL (
    SELECT w.worker_id FROM worker_process w
    WHERE j.locked_by = ANY (w.runner_ids) AND w.heartbeat_at > clock_timestamp() - make_interval(secs => $1::float8)
    LIMIT 1
  ) live ON true`;
