import { env } from "~/env.js";
import { Prisma, PrismaClient } from "~/generated/prisma/client";
import { ResilientPgAdapterFactory } from "~/server/database/adapter";
import { poolConfig, timeoutsFromEnv, type DatabaseTimeouts } from "~/server/database/pool-config";
import { withRetries } from "~/server/database/retry";

export { Prisma };
export { isRetryableConflict, isTransientConnectionError } from "~/server/database/errors";
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/**
 * Every connection starts at READ COMMITTED, whatever the server's default:
 * the money transactions rely on it (row locks, not SERIALIZABLE aborts).
 * Set once per connection here, a transaction needs no extra round trip.
 */
const connectionOptions = "-c default_transaction_isolation=read\\ committed";

/**
 * Creates a Prisma client on the Rust-free engine with the pg adapter, its
 * pool bounded by the timeouts of `poolConfig` and its statements outside
 * transactions retried once the connection dropped.
 */
export function createDb(
  connectionString: string,
  poolMax: number = env.DATABASE_POOL_MAX,
  timeouts: DatabaseTimeouts = timeoutsFromEnv(),
): Db {
  const config = poolConfig(connectionString, { max: poolMax, applicationName: "creditworks", timeouts, startupOptions: connectionOptions });
  return new PrismaClient({ adapter: new ResilientPgAdapterFactory(config) });
}

const globalForDb = globalThis as unknown as { creditworksDb?: Db; creditworksReportingDb?: Db };

/** The one shared client of this process (survives Next.js dev reloads). */
export const db: Db = (globalForDb.creditworksDb ??= createDb(env.DATABASE_URL));

const reportingPoolMax = 2;
const reportingTimeoutMs = 300_000;

/**
 * A small second client for the few long reads an admin may start (the
 * integrity checks over the whole database), with timeouts of minutes
 * instead of seconds. Created on first use.
 */
export function reportingDb(): Db {
  globalForDb.creditworksReportingDb ??= createDb(env.DATABASE_URL, reportingPoolMax, {
    ...timeoutsFromEnv(),
    statementTimeoutMs: reportingTimeoutMs,
    queryTimeoutMs: reportingTimeoutMs + 5_000,
    idleInTransactionTimeoutMs: reportingTimeoutMs,
  });
  return globalForDb.creditworksReportingDb;
}

const transactionTimeoutMs = 15_000;
const transactionMaxWaitMs = 10_000;

export type TransactionOptions = {
  label: string;
  isolationLevel?: Prisma.TransactionIsolationLevel;
};

/**
 * Runs `work` in one database transaction and retries the whole of it on a
 * serialization failure, a deadlock or a dropped connection, within the
 * bounds of `withRetries`. When they are spent the caller gets
 * CONFLICT_RETRY, which the client retries with the same idempotency key.
 * Every transaction's writes are guarded (idempotency keys, status and
 * lease conditions), so repeating one whose COMMIT was lost with its
 * connection changes nothing twice.
 *
 * Money transactions run at READ COMMITTED and take the owner's user row
 * lock first (see ledger/lock-user.ts): every writer of one account queues
 * on that lock instead of aborting each other, which SERIALIZABLE would do
 * on a hot account. The retry stays for deadlocks and for callers that ask
 * for SERIALIZABLE explicitly.
 */
export async function withTransaction<T>(
  client: Db,
  options: TransactionOptions,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return withRetries(options.label, { conflicts: true }, () =>
    client.$transaction(work, {
      // Unset means the connection's READ COMMITTED (see createDb): asking
      // for it explicitly would cost a SET TRANSACTION round trip each time.
      isolationLevel: options.isolationLevel,
      timeout: transactionTimeoutMs,
      maxWait: transactionMaxWaitMs,
    }),
  );
}
