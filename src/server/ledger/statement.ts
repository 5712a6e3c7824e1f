import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { expiringSoonDays } from "~/server/ledger/wallet";
import { toPage } from "~/server/pagination";

/** Ledger ids are bigserial: a cursor beyond this was never issued. */
const ledgerIdMax = 2n ** 63n - 1n;

/**
 * The user's balance: `available` is spendable now; `reserved` is what their
 * active jobs were charged and may still partly come back; `expiringSoon`
 * the credits that expire first, when that is within two weeks.
 */
export async function getCreditSummary(client: Db, userId: string) {
  const [user, reserved, expiring] = await Promise.all([
    client.user.findUniqueOrThrow({ where: { id: userId }, select: { balance: true } }),
    client.job.aggregate({
      where: { userId, status: { in: ["PENDING", "PROCESSING"] } },
      _sum: { totalCost: true },
      _count: true,
    }),
    // The first credits to expire within the warning horizon, and every
    // credit that expires within a day of them (one read of the open grants' index).
    client.$queryRaw<{ credits: number | null; expiresAt: Date | null }[]>`
      WITH soon AS (
        SELECT remaining, expires_at FROM credit_grant
        WHERE user_id = ${userId} AND closed_at IS NULL AND remaining > 0
          AND expires_at < clock_timestamp() + make_interval(days => ${expiringSoonDays}))
      SELECT sum(remaining)::int AS credits, min(expires_at) AS "expiresAt" FROM soon
      WHERE expires_at < (SELECT min(expires_at) FROM soon) + interval '1 day'`,
  ]);
  const soonest = expiring[0];
  return {
    available: user.balance,
    reserved: reserved._sum.totalCost ?? 0,
    activeJobs: reserved._count,
    expiringSoon: soonest?.credits && soonest.expiresAt ? { credits: soonest.credits, expiresAt: soonest.expiresAt } : null,
  };
}

/** A page of the user's ledger, newest first (cursor = the last entry id seen). */
export async function getLedgerPage(client: Db, userId: string, input: { cursor?: string; limit: number }) {
  const cursor = input.cursor ? BigInt(input.cursor) : null;
  // Out of int8 range, PostgreSQL would fail the query and the client get a 500.
  if (cursor !== null && cursor > ledgerIdMax) {
    throw new AppError("VALIDATION_ERROR", "Not a cursor.", { fieldErrors: { cursor: ["Not a cursor."] } });
  }
  const rows = await client.ledgerEntry.findMany({
    where: { userId, ...(cursor !== null ? { id: { lt: cursor } } : {}) },
    select: {
      id: true, kind: true, amount: true, balanceBefore: true, balanceAfter: true,
      jobId: true, actorType: true, reason: true, createdAt: true,
    },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const page = toPage(rows, input.limit);
  return { items: page.items.map((row) => ({ ...row, id: row.id.toString() })), nextCursor: page.nextCursor };
}
