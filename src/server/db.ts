import "server-only";

import pg from "pg";

import { env } from "~/env.js";
import { Prisma, PrismaClient } from "~/generated/prisma/client";
import { ResilientPgAdapterFactory, SerializableTransactionsClient } from "~/server/database/adapter";
import { poolConfig, surviveLostConnections, timeoutsFromEnv, type DatabaseTimeouts } from "~/server/database/pool-config";
import { withRetries } from "~/server/database/retry";

export { Prisma };
export { isRetryableConflict, isTransientConnectionError } from "~/server/database/errors";
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/**
 * Creates a Prisma client on the Rust-free engine with the pg adapter. Every
 * interactive transaction begins SERIALIZABLE (SPEC §2) in its BEGIN, at no
 * extra round trip (SerializableTransactionsClient), and the money functions
 * assert it (cw_assert_serializable), so a pool set up otherwise fails
 * loudly instead of silently weakening the guarantees. Single statements
 * outside a transaction (reads) keep the server's default level; a money
 * statement sent alone goes to the client's twin, a second pg pool (as
 * large, opened on first use) whose connections default to SERIALIZABLE
 * (see src/server/money/shapes.ts). The pools are bounded by the timeouts of
 * `poolConfig`, the client's statements are prepared once per connection,
 * and statements outside transactions are retried once their connection
 * dropped.
 */
export function createDb(
  connectionString: string,
  poolMax: number = env.DATABASE_POOL_MAX,
  timeouts: DatabaseTimeouts = timeoutsFromEnv(),
): Db {
  const client = prismaOn(createPool(connectionString, poolMax, timeouts));
  // The client's twin for money statements sent alone (money/shapes.ts),
  // opened on first use and closed with the client.
  let twin: pg.Pool | null = null;
  statementTwins.set(client, () => (twin ??= createPool(connectionString, poolMax, timeouts, { serializableDefault: true })));
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    // Ended once however often the client is disconnected; reopened on next use.
    const closing = twin;
    twin = null;
    await Promise.all([disconnect(), closing?.end()]);
  };
  return client;
}

function prismaOn(pool: pg.Pool): Db {
  const adapter = new ResilientPgAdapterFactory(pool, { statementNameGenerator: preparedStatementName, disposeExternalPool: true });
  return new PrismaClient({ adapter });
}

/**
 * The app's pg pool: SERIALIZABLE transactions, bounded timeouts, and no
 * lost connection ends the process. With `serializableDefault`, every
 * statement of its connections is SERIALIZABLE, a statement sent alone too
 * (the pool of the money statements sent alone, src/server/money/shapes.ts).
 */
export function createPool(
  connectionString: string,
  poolMax: number,
  timeouts: DatabaseTimeouts,
  options: { serializableDefault?: boolean } = {},
): pg.Pool {
  const pool = new pg.Pool({
    ...poolConfig(connectionString, {
      max: poolMax,
      applicationName: options.serializableDefault ? "creditworks-money" : "creditworks",
      timeouts,
      startupOptions: options.serializableDefault ? serializableStartup : undefined,
    }),
    Client: SerializableTransactionsClient,
  });
  return surviveLostConnections(pool, "app");
}

const serializableStartup = "-c default_transaction_isolation=serializable";
const statementTwins = new WeakMap<Db, () => pg.Pool>();

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

/** Distinct statements kept prepared per connection, at most. */
const preparedStatementsMax = 500;
const statementNames = new Map<string, string>();

/**
 * Names each distinct SQL text, so node-postgres prepares it once per
 * connection and PostgreSQL parses and plans it once, not on every call.
 * Bounded: past `preparedStatementsMax` texts (generated IN-lists, say),
 * new ones run unprepared.
 */
function preparedStatementName(query: { sql: string }): string {
  let name = statementNames.get(query.sql);
  if (name === undefined) {
    if (statementNames.size >= preparedStatementsMax) return undefined as unknown as string;
    name = `cw${statementNames.size}`;
    statementNames.set(query.sql, name);
  }
  return name;
}

const transactionTimeoutMs = 15_000;
const transactionMaxWaitMs = 10_000;

export type TransactionOptions = {
  label: string;
  isolationLevel?: Prisma.TransactionIsolationLevel;
};

/**
 * Runs `work` in one SERIALIZABLE database transaction (see createDb)
 * and retries the whole of it on a serialization failure, a deadlock or a
 * dropped connection, within the bounds of `withRetries`. When they are
 * spent the caller gets CONFLICT_RETRY, which the client retries with the
 * same idempotency key. Every transaction's writes are guarded (idempotency
 * keys, status and lease conditions), so repeating one whose COMMIT was lost
 * with its connection changes nothing twice.
 *
 * A transaction that moves one account's credits goes through the money
 * door (src/server/money), whose shapes also queue it behind that account's
 * other transactions in this process first.
 */
export async function withTransaction<T>(
  client: Db,
  options: TransactionOptions,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return withRetries(options.label, { conflicts: true }, () =>
    client.$transaction(work, {
      // Unset means SERIALIZABLE, carried by BEGIN itself (see createDb):
      // asking for it here would cost a SET TRANSACTION round trip.
      isolationLevel: options.isolationLevel,
      timeout: transactionTimeoutMs,
      maxWait: transactionMaxWaitMs,
    }),
  );
}

/**
 * The client's twin for money statements sent alone: a pg pool as large as
 * the client's whose connections start every transaction SERIALIZABLE
 * (opened on first use, closed with the client). Null for a client not made
 * by `createDb`. Only the money door (src/server/money/shapes.ts) uses it.
 */
export function serializableTwinOf(client: Db): pg.Pool | null {
  return statementTwins.get(client)?.() ?? null;
}
