import "server-only";

import { Prisma, type Db } from "~/server/db";
import { statementAlone } from "~/server/money/shapes";

export type AccountCleanup = { recovered: number; failed: number; refunded: number; grantsExpired: number };

/**
 * Ends or recovers one account's stuck jobs, as a set, and brings its grants
 * up to the clock (`cw_cleanup_account`), one SERIALIZABLE statement sent alone:
 * `overdue` jobs (past their deadline) are failed and their undelivered
 * outputs refunded; `expired` ones (lease expired) are requeued with their
 * outputs kept until `maxAttempts`, then failed. Every job's condition is
 * checked again inside, so a job ends once whoever races; an account
 * another transaction holds now is skipped (all zeros), not waited for.
 */
export async function cleanupAccount(
  client: Db,
  work: { accountId: string; overdue: string[]; expired: string[]; maxAttempts: number },
): Promise<AccountCleanup> {
  // Another pass settling this account now is left to it (the pass is partial).
  const shape = { label: "cleanup.account", accountId: work.accountId, skipIfAccountBusy: true };
  const rows = await statementAlone<AccountCleanup>(client, shape, Prisma.sql`
    SELECT recovered, failed, refunded, grants_expired AS "grantsExpired"
    FROM cw_cleanup_account(${work.accountId}, ${work.overdue}::uuid[], ${work.expired}::uuid[], ${work.maxAttempts}::int)`);
  return rows[0] ?? { recovered: 0, failed: 0, refunded: 0, grantsExpired: 0 };
}
