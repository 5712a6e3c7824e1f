import "server-only";

import pg from "pg";

import { inAccountOrder } from "~/server/database/account-queue";
import { isLockNotAvailable } from "~/server/database/errors";
import { withRetries } from "~/server/database/retry";
import { serializableTwinOf, withTransaction, type Db, type Prisma, type Tx } from "~/server/db";

/**
 * The two transaction shapes of the money door. Each operation of
 * src/server/money is declared with one of them; no caller chooses.
 *
 * - `statementAlone`: the operation is one call of one `cw_*` function and
 *   nothing else commits with it. It is sent as its own transaction on the
 *   client's serializable twin pool, in one round trip where an interactive
 *   transaction needs three (BEGIN, call, COMMIT), at the same level,
 *   asserted by the function itself (`cw_assert_serializable`).
 * - `accountTransaction`: a Prisma interactive transaction, SERIALIZABLE from
 *   its BEGIN, for an operation that commits other rows with the call (an
 *   audit row, a stored response, a checkout's completion) or that reads and
 *   writes an account's ledger beside other processes' cleanups
 *   (docs/decisions/0003-money-transaction-shapes.md).
 *
 * One account's money transactions are ordered, so that SERIALIZABLE has
 * nothing left to abort between them (docs/decisions/0008-account-order.md):
 * within a process they queue (`inAccountOrder`); across processes each
 * takes its account's lock first, an EXCLUSIVE lock on one of
 * `accountLockStripes` empty tables (`cw_lock.account_<n>`). LOCK TABLE,
 * unlike a SELECT of an advisory lock, takes no snapshot: the transaction's
 * snapshot is taken after the lock is granted, so it sees what the previous
 * holder committed, and the lock ends with the transaction (no lock can
 * outlive a crashed process). Both shapes retry the whole transaction on a
 * serialization failure, a deadlock or a dropped connection (`withRetries`).
 */
export type Shape = {
  label: string;
  /** The account whose money the transaction moves: it is ordered behind the account's others. */
  accountId?: string;
  /**
   * A statement alone that moves several accounts' money (a worker's batch):
   * each is ordered behind its account's others, their locks taken in one
   * fixed order, that of their tables' names (docs/decisions/0010-worker-batches.md).
   */
  accountIds?: readonly string[];
  /** A pass that may leave the account to whoever holds it now (the cleanup): skip instead of waiting. */
  skipIfAccountBusy?: boolean;
};

/** Stripes of the cross-process account lock (tables cw_lock.account_0 … _255). */
export const accountLockStripes = 256;

/** The lock table of an account: FNV-1a of its id, on `accountLockStripes` stripes. */
export function accountLockTable(accountId: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < accountId.length; index++) {
    hash ^= accountId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `cw_lock.account_${hash % accountLockStripes}`;
}

/** The accounts a shape orders, each once, sorted (the in-process queues are entered in this order). */
function accountsOf(shape: Shape): string[] {
  const accounts = shape.accountIds ?? (shape.accountId === undefined ? [] : [shape.accountId]);
  return [...new Set(accounts)].sort();
}

/**
 * The LOCK TABLE of the accounts' stripes. PostgreSQL takes the locks of one
 * LOCK TABLE in the order it names them: sorted by table name, two batches
 * wait for each other in one direction only, and a transaction of one
 * account holds a single stripe, so no cycle can form; the locks come before
 * anything else the transaction does (no row lock is held while waiting).
 */
function lockStatement(shape: Shape, accounts = accountsOf(shape)): string {
  const tables = [...new Set(accounts.map(accountLockTable))].sort();
  return `LOCK TABLE ${tables.join(", ")} IN EXCLUSIVE MODE${shape.skipIfAccountBusy ? " NOWAIT" : ""}`;
}

/** Runs `work` after every earlier call of each account in this process, entering their queues in sorted order. */
function inAccountsOrder<T>(accounts: readonly string[], work: () => Promise<T>): Promise<T> {
  return accounts.reduceRight<() => Promise<T>>((inner, account) => () => inAccountOrder(account, inner), work)();
}

/**
 * One `cw_*` call as its own SERIALIZABLE transaction (see the module
 * comment): the rows it answers (none when `skipIfAccountBusy` found the
 * account's lock taken). With an account, the lock and the call go in one
 * simple-protocol message (one implicit transaction, one round trip), the
 * call's values written into its text as literals.
 */
export async function statementAlone<T>(client: Db, shape: Shape, statement: Prisma.Sql): Promise<T[]> {
  const pool = serializableTwinOf(client);
  const accounts = accountsOf(shape);
  const send = pool
    ? async () => {
        const text = accounts.length === 0 ? inlined(statement) : `${lockStatement(shape, accounts)}; ${inlined(statement)}`;
        const results = (await pool.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
        return (Array.isArray(results) ? results.at(-1)! : results).rows as T[];
      }
    : () => withTransaction(client, { label: shape.label }, async (tx) => {
        if (accounts.length > 0) await tx.$executeRawUnsafe(lockStatement(shape, accounts));
        return tx.$queryRaw<T[]>(statement);
      });
  // A busy account is skipped before withRetries could take NOWAIT's refusal for a timeout.
  const attempt = () => send().catch((error: unknown) => skipped<T>(shape, error));
  const run = () => withRetries(shape.label, { conflicts: true }, attempt);
  return inAccountsOrder(accounts, run);
}

/** An interactive SERIALIZABLE transaction of one account, its lock taken first (see the module comment). */
export async function accountTransaction<T>(client: Db, shape: Shape & { accountId: string }, work: (tx: Tx) => Promise<T>): Promise<T> {
  return inAccountOrder(shape.accountId, () =>
    withTransaction(client, { label: shape.label }, async (tx) => {
      await takeAccountLock(tx, shape.accountId);
      return work(tx);
    }),
  );
}

/**
 * Takes the account's cross-process lock in the caller's transaction; it
 * must come before anything the transaction reads (its snapshot).
 */
export async function takeAccountLock(tx: Tx, accountId: string): Promise<void> {
  await tx.$executeRawUnsafe(lockStatement({ label: "", accountId }));
}

function skipped<T>(shape: Shape, error: unknown): T[] {
  if (shape.skipIfAccountBusy && isLockNotAvailable(error)) return [];
  throw error;
}

/**
 * The statement's text with its values written in as SQL literals (strings
 * escaped by pg's own `escapeLiteral`, arrays and dates as pg formats them
 * for a parameter), for the simple protocol, which takes no parameters.
 * The statement's casts (`::uuid[]`, `::int`) type them as before.
 */
function inlined(statement: Prisma.Sql): string {
  const { strings, values } = statement;
  let text = strings[0]!;
  values.forEach((value, index) => {
    text += literalOf(value) + strings[index + 1]!;
  });
  return text;
}

function literalOf(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return pg.escapeLiteral(value.toISOString());
  if (Array.isArray(value)) return pg.escapeLiteral(arrayText(value));
  return pg.escapeLiteral(typeof value === "string" ? value : JSON.stringify(value));
}

/** PostgreSQL's text form of an array: `{"a","b\"c",NULL,1,true}`. */
function arrayText(values: readonly unknown[]): string {
  const element = (value: unknown): string => {
    if (value === null || value === undefined) return "NULL";
    if (Array.isArray(value)) return arrayText(value);
    const text = value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
    return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  };
  return `{${values.map(element).join(",")}}`;
}
