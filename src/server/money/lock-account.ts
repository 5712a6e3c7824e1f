import "server-only";

import type { Tx } from "~/server/db";
import { AppError } from "~/server/errors";

export type LockedAccount = { id: string; balance: number; role: "USER" | "ADMIN" };

/**
 * Takes the account's row lock for the rest of the caller's transaction and
 * returns its balance: what every money function does first (lock order:
 * the account, then its jobs). A transaction that must not interleave with
 * the account's money — deleting the account — takes it too.
 */
export async function lockAccount(tx: Tx, accountId: string): Promise<LockedAccount> {
  const rows = await tx.$queryRaw<LockedAccount[]>`
    SELECT id, balance, role::text AS role FROM "user" WHERE id = ${accountId} FOR UPDATE`;
  const account = rows[0];
  if (!account) throw new AppError("NOT_FOUND", "No such user.");
  return account;
}
