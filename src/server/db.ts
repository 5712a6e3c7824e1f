import { PrismaPg } from "@prisma/adapter-pg";

import { env } from "~/env.js";
import { Prisma, PrismaClient } from "~/generated/prisma/client";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";

export { Prisma };
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/**
 * Every connection starts at READ COMMITTED, whatever the server's default:
 * the money transactions rely on it (row locks, not SERIALIZABLE aborts).
 * Set once per connection here, a transaction needs no extra round trip.
 */
const connectionOptions = "-c default_transaction_isolation=read\\ committed";

/** Creates a Prisma client on the Rust-free engine with the pg adapter. */
export function createDb(connectionString: string, poolMax: number = env.DATABASE_POOL_MAX): Db {
  const adapter = new PrismaPg({ connectionString, max: poolMax, options: connectionOptions });
  return new PrismaClient({ adapter });
}

const globalForDb = globalThis as unknown as { creditworksDb?: Db };

/** The one shared client of this process (survives Next.js dev reloads). */
export const db: Db = (globalForDb.creditworksDb ??= createDb(env.DATABASE_URL));

const retryAttemptsMax = 12;
const retryBackoffBaseMs = 4;
const retryBackoffCapMs = 250;
const transactionTimeoutMs = 15_000;
const transactionMaxWaitMs = 10_000;

const retryableSqlStates = new Set(["40001", "40P01"]);

/**
 * True for failures that a retry of the whole transaction can fix: the
 * serialization failure and deadlock of PostgreSQL in the shapes they reach
 * us through the Rust-free client — `P2034` when a statement conflicts, a bare
 * DriverAdapterError whose cause is `TransactionWriteConflict` when COMMIT
 * conflicts, and the raw SQLSTATEs 40001/40P01.
 */
export function isRetryableConflict(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object" && !seen.has(current); depth++) {
    seen.add(current);
    const candidate = current as {
      code?: unknown;
      kind?: unknown;
      originalCode?: unknown;
      meta?: { code?: unknown; driverAdapterError?: unknown };
      cause?: unknown;
    };
    if (candidate.code === "P2034") return true;
    if (candidate.kind === "TransactionWriteConflict") return true;
    if (typeof candidate.code === "string" && retryableSqlStates.has(candidate.code)) return true;
    if (typeof candidate.originalCode === "string" && retryableSqlStates.has(candidate.originalCode)) return true;
    if (typeof candidate.meta?.code === "string" && retryableSqlStates.has(candidate.meta.code)) return true;
    current = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return false;
}

function backoffMs(attempt: number): number {
  const ceiling = Math.min(retryBackoffCapMs, retryBackoffBaseMs * 2 ** attempt);
  return Math.random() * ceiling;
}

export type TransactionOptions = {
  label: string;
  isolationLevel?: Prisma.TransactionIsolationLevel;
};

/**
 * Runs `work` in one database transaction and retries the whole of it on a
 * serialization failure or deadlock, with bounded, jittered exponential
 * backoff. When the budget is spent the caller gets CONFLICT_RETRY, which
 * the client retries with the same idempotency key.
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
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.$transaction(work, {
        // Unset means the connection's READ COMMITTED (see createDb): asking
        // for it explicitly would cost a SET TRANSACTION round trip each time.
        isolationLevel: options.isolationLevel,
        timeout: transactionTimeoutMs,
        maxWait: transactionMaxWaitMs,
      });
    } catch (error) {
      if (!isRetryableConflict(error)) throw error;
      increment("conflictRetries");
      if (attempt + 1 >= retryAttemptsMax) {
        increment("conflictExhausted");
        logger.warn({ label: options.label, attempts: attempt + 1 }, "transaction conflict retries exhausted");
        throw new AppError("CONFLICT_RETRY");
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}
