import { AppError } from "~/server/errors";
import type { Tx } from "~/server/db";

export type LockedUser = { id: string; balance: number; role: "USER" | "ADMIN" };

/**
 * Takes the user row lock for the rest of the transaction and returns the
 * current balance. Every transaction that moves a user's credits or creates
 * their jobs takes this lock first (lock order: user, then job), so writers
 * of one account run one after another and each sees the last one's result.
 */
export async function lockUser(tx: Tx, userId: string): Promise<LockedUser> {
  const rows = await tx.$queryRaw<LockedUser[]>`
    SELECT id, balance, role::text AS role FROM "user" WHERE id = ${userId} FOR UPDATE`;
  const user = rows[0];
  if (!user) throw new AppError("NOT_FOUND", "No such user.");
  return user;
}
