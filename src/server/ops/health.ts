import "server-only";

import pg from "pg";

import { env } from "~/env.js";
import { poolConfig, surviveLostConnections } from "~/server/database/pool-config";
import { deadPoolLeases } from "~/server/jobs/cleanup";
import { queueLocksSql, type QueueLocks } from "~/server/queue/worker-registry";
import { logger } from "~/server/logger";

/** The whole health check answers within this, database or not. */
export const healthTimeoutMs = 1_500;
const healthPoolMax = 2;

export type Health =
  | { status: "ok"; database: "ok"; queue: { status: "ok"; queued: number; locked: number } & QueueLocks }
  | { status: "error"; database: "unreachable" | "timeout" };

const globalForHealth = globalThis as unknown as { creditworksHealthPool?: pg.Pool };

/**
 * A pool of its own, so that the check answers even when the app's pool is
 * exhausted or its connections hang on a frozen server, with connect and
 * read timeouts shorter than the check's budget.
 */
function healthPool(): pg.Pool {
  if (!globalForHealth.creditworksHealthPool) {
    const timeouts = {
      connectTimeoutMs: healthTimeoutMs,
      statementTimeoutMs: healthTimeoutMs,
      queryTimeoutMs: healthTimeoutMs + 100,
      lockTimeoutMs: healthTimeoutMs,
      idleInTransactionTimeoutMs: healthTimeoutMs,
    };
    const pool = new pg.Pool(poolConfig(env.DATABASE_URL, { max: healthPoolMax, applicationName: "creditworks-health", timeouts }));
    surviveLostConnections(pool, "health");
    globalForHealth.creditworksHealthPool = pool;
  }
  return globalForHealth.creditworksHealthPool;
}

/**
 * Database and queue status for load balancers and humans, within
 * `healthTimeoutMs` whatever the database does (down, restarting, frozen).
 */
export async function checkHealth(): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Health>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: "error", database: "timeout" }),
      healthTimeoutMs,
    );
  });
  const probe = healthPool()
    .query<QueueLocks>(queueLocksSql, [(env.LEASE_MS * deadPoolLeases) / 1000])
    .then(
      ({ rows }): Health => {
        const locks = rows[0] ?? { queued: 0, lockedLive: 0, lockedDead: 0 };
        return { status: "ok", database: "ok", queue: { status: "ok", ...locks, locked: locks.lockedLive + locks.lockedDead } };
      },
      (error: unknown): Health => {
        logger.warn({ err: error }, "health check: database unreachable");
        return { status: "error", database: "unreachable" };
      },
    );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
