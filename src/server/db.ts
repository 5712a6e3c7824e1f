import pg from "pg";

import { env } from "~/env.js";
import { Prisma, PrismaClient } from "~/generated/prisma/client";
import { inAccountOrder } from "~/server/database/account-queue";
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
 * statement sent alone goes to the client's twin, a second pool (as large,
 * opened on first use) whose connections default to SERIALIZABLE
 * (withSerializableStatement). The pools are bounded by the timeouts of
 * `poolConfig`, their statements are prepared once per connection, and
 * statements outside transactions are retried once their connection dropped.
 */
export function createDb(
  connectionString: string,
  poolMax: number = env.DATABASE_POOL_MAX,
  timeouts: DatabaseTimeouts = timeoutsFromEnv(),
): Db {
  const client = prismaOn(createPool(connectionString, poolMax, timeouts));
  // The client's twin for money statements sent alone (withSerializableStatement),
  // opened on first use and closed with the client.
  let twin: Db | null = null;
  statementTwins.set(client, () => (twin ??= prismaOn(createPool(connectionString, poolMax, timeouts, { serializableDefault: true }))));
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    await Promise.all([disconnect(), twin?.$disconnect()]);
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
 * (the pool of withSerializableStatement).
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
const statementTwins = new WeakMap<Db, () => Db>();

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
 * A transaction that moves one account's credits goes through
 * `withAccountTransaction` instead, which queues it behind that account's
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
 * One money statement — a call of one `cw_*` function, which asserts
 * SERIALIZABLE itself — as its own transaction: one round trip where an
 * interactive transaction needs three (BEGIN, the statement, COMMIT). It is
 * sent on the client's twin, whose connections start every transaction
 * SERIALIZABLE (createDb), and retried whole like `withTransaction`. With
 * `accountId`, it first waits for that account's earlier transactions in
 * this process, as `withAccountTransaction` does. A client not made by
 * createDb runs it in an interactive transaction instead.
 *
 * A worker's finish that may refund stays an interactive transaction:
 * with every finish sent alone, two worker processes settling the same few
 * accounts' jobs beside their cleanups met ten times the serialization
 * failures (732 against 68–126 in runs of
 * tests/faults/database-crash-liveness), whose retries held the cleanup
 * past the deadline bound. Claims, output writes and finishes that refund
 * nothing, sent alone, showed no such effect.
 */
export async function withSerializableStatement<T>(
  client: Db,
  options: TransactionOptions & { accountId?: string },
  statement: (db: Tx) => Promise<T>,
): Promise<T> {
  const twin = statementTwins.get(client);
  const run = twin
    ? () => withRetries(options.label, { conflicts: true }, () => statement(twin()))
    : () => withTransaction(client, options, statement);
  return options.accountId === undefined ? run() : inAccountOrder(options.accountId, run);
}

/**
 * `withTransaction` for a transaction that moves the credits of (or ends the
 * jobs of) one account: it first waits for that account's earlier
 * transactions in this process (database/account-queue.ts), so that they
 * never overlap and fail each other under SERIALIZABLE. Lock order inside
 * is always the user row, then job rows.
 */
export async function withAccountTransaction<T>(
  client: Db,
  options: TransactionOptions & { accountId: string },
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return inAccountOrder(options.accountId, () => withTransaction(client, options, work));
}
