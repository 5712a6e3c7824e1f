import "server-only";

import type { Tx } from "~/server/db";
import { AppError } from "~/server/errors";
import { takeAccountLock } from "~/server/money/shapes";

export type LockedAccount = { id: string; balance: number };

/**
 * Takes the workspace's locks for the rest of the caller's transaction — its
 * cross-process order (shapes.ts) and its row — and returns its balance:
 * what every money transaction does first (lock order: the account, then
 * its jobs). A transaction that must not interleave with the account's
 * money — deleting the account — takes them too, as its first statement.
 */
export async function lockAccount(tx: Tx, accountId: string): Promise<LockedAccount> {
  await takeAccountLock(tx, accountId);
  const rows = await tx.$queryRaw<LockedAccount[]>`
    SELECT id, balance FROM workspace WHERE id = ${accountId} FOR UPDATE`;
  const account = rows[0];
  if (!account) throw new AppError("NOT_FOUND", "No such account.");
  return account;
}
