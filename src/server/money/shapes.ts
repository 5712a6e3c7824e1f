import "server-only";

import { inAccountOrder } from "~/server/database/account-queue";
import { withRetries } from "~/server/database/retry";
import { serializableTwinOf, withTransaction, type Db, type Tx } from "~/server/db";

/**
 * The two transaction shapes of the money door. Each operation of
 * src/server/money is declared with one of them; no caller chooses.
 *
 * - `statementAlone`: the operation is one call of one `cw_*` function and
 *   nothing else commits with it. It is sent as its own transaction on the
 *   client's serializable twin pool: one round trip where an interactive
 *   transaction needs three (BEGIN, call, COMMIT), at the same level,
 *   asserted by the function itself (`cw_assert_serializable`).
 * - `accountTransaction`: a Prisma interactive transaction, SERIALIZABLE from
 *   its BEGIN, for an operation that commits other rows with the call (an
 *   audit row, a stored response, a checkout's completion) or that reads and
 *   writes an account's ledger beside other processes' cleanups
 *   (docs/decisions/0003-money-transaction-shapes.md says what was measured).
 *
 * Both retry the whole transaction on a serialization failure, a deadlock
 * or a dropped connection (`withRetries`), and both first wait for the
 * account's earlier money transactions in this process (`inAccountOrder`),
 * so one account's writers queue instead of failing each other.
 */
export type Shape = { label: string; accountId?: string };

/** One `cw_*` call as its own SERIALIZABLE transaction (see the module comment). */
export async function statementAlone<T>(client: Db, shape: Shape, statement: (db: Tx) => Promise<T>): Promise<T> {
  const twin = serializableTwinOf(client);
  const run = twin
    ? () => withRetries(shape.label, { conflicts: true }, () => statement(twin))
    : () => withTransaction(client, { label: shape.label }, statement);
  return shape.accountId === undefined ? run() : inAccountOrder(shape.accountId, run);
}

/** An interactive SERIALIZABLE transaction of one account (see the module comment). */
export async function accountTransaction<T>(client: Db, shape: Shape & { accountId: string }, work: (tx: Tx) => Promise<T>): Promise<T> {
  return inAccountOrder(shape.accountId, () => withTransaction(client, { label: shape.label }, work));
}
