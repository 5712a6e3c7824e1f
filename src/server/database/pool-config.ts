import type { Pool, PoolConfig } from "pg";

import { env } from "~/env.js";
import { logger } from "~/server/logger";

/**
 * The timeouts every pool of the process uses (web, worker, queue, health),
 * so that a frozen or vanished server makes calls fail after a bounded time
 * instead of hanging: the server's own statement, lock and idle-in-
 * transaction timeouts, and the client's connect and read timeouts for a
 * server that does not answer at all (stopped, partitioned).
 */
export type DatabaseTimeouts = {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Client-side: longer than the statement timeout, which should fire first. */
  queryTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
};

export function timeoutsFromEnv(): DatabaseTimeouts {
  return {
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    lockTimeoutMs: env.DATABASE_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DATABASE_IDLE_TX_TIMEOUT_MS,
  };
}

/** Idle connections are closed after this, so a restarted server's dead sockets do not linger. */
const idleConnectionMs = 30_000;

/**
 * A pg pool configuration with the timeouts above, TCP keep-alive (a dead
 * peer is noticed even on an idle socket) and an application name that
 * shows in pg_stat_activity.
 */
export function poolConfig(
  connectionString: string,
  options: { max: number; applicationName: string; timeouts?: DatabaseTimeouts; startupOptions?: string },
): PoolConfig {
  const timeouts = options.timeouts ?? timeoutsFromEnv();
  return {
    connectionString,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    lock_timeout: timeouts.lockTimeoutMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    idleTimeoutMillis: idleConnectionMs,
    keepAlive: true,
    ...(options.startupOptions ? { options: options.startupOptions } : {}),
  };
}

/**
 * Keeps a lost connection from ending the process. An idle client that dies
 * (server restart, terminated backend) makes the pool emit "error"; a
 * checked-out one emits it on itself when it is between statements, or when
 * the server's goodbye follows the error its query already took (pg's
 * `pool.query` listens only once). With nobody listening, either ends a
 * Node process. Every client listens for its whole life; the pool discards
 * it (it is no longer queryable) and the next statement gets a fresh one.
 */
export function surviveLostConnections(pool: Pool, name: string): Pool {
  pool.on("error", (error) => logger.warn({ err: error, pool: name }, "idle database connection lost"));
  pool.on("connect", (client) => client.on("error", (error) => logger.debug({ err: error, pool: name }, "database connection lost")));
  return pool;
}
