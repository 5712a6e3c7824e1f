import { PrismaPg } from "@prisma/adapter-pg";
import type { PoolConfig } from "pg";

import { isTransientConnectionError } from "~/server/database/errors";

const readAttemptsMax = 4;
const readBackoffMs = [50, 200, 600];

/**
 * The pg driver adapter, with one addition: a statement outside a
 * transaction that fails because its connection dropped (the server
 * restarted, a backend was terminated) is sent again on a fresh connection,
 * a few times with a short backoff. Outside a transaction our statements
 * are reads or guarded, repeatable writes (lease renewal), so a repeat is
 * safe. Transactions are retried whole by `withTransaction`.
 */
export class ResilientPgAdapterFactory extends PrismaPg {
  constructor(config: PoolConfig) {
    super(config);
  }

  override async connect() {
    const adapter = await super.connect();
    const queryRaw = adapter.queryRaw.bind(adapter);
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.queryRaw = (query) => retryOnDroppedConnection(() => queryRaw(query));
    adapter.executeRaw = (query) => retryOnDroppedConnection(() => executeRaw(query));
    return adapter;
  }
}

async function retryOnDroppedConnection<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= readAttemptsMax || !isTransientConnectionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, readBackoffMs[attempt - 1]));
    }
  }
}
