import "server-only";

import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { isTransientConnectionError } from "~/server/database/errors";

const readAttemptsMax = 4;
const readBackoffMs = [50, 200, 600];

/** What every interactive transaction begins with: SERIALIZABLE in the same round trip (SPEC §2). */
export const beginSerializable = "BEGIN ISOLATION LEVEL SERIALIZABLE";

type QueryConfigLike = { text?: unknown };

/**
 * A pg client whose transactions begin SERIALIZABLE. The Prisma pg adapter
 * opens every interactive transaction with a plain `BEGIN` (and would need a
 * second round trip, `SET TRANSACTION`, for a level); this client sends
 * `BEGIN ISOLATION LEVEL SERIALIZABLE` instead, so every `$transaction` of
 * the app is SERIALIZABLE at no cost, while single statements outside a
 * transaction (reads, mostly) keep the server's default. A caller that asks
 * Prisma for another level still gets it (its SET TRANSACTION follows).
 */
export class SerializableTransactionsClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config] = args;
    if (config && typeof config === "object" && (config as QueryConfigLike).text === "BEGIN") {
      args[0] = { ...(config), text: beginSerializable };
    }
    return (pg.Client.prototype.query as (...a: unknown[]) => never).apply(this, args);
  }
}

/**
 * The pg driver adapter, with one addition: a statement outside a
 * transaction that fails because its connection dropped (the server
 * restarted, a backend was terminated) is sent again on a fresh connection,
 * a few times with a short backoff. Outside a transaction our statements
 * are reads or guarded, repeatable writes (lease renewal), so a repeat is
 * safe. Transactions are retried whole by `withTransaction`.
 */
export class ResilientPgAdapterFactory extends PrismaPg {
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
