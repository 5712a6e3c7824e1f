import type { Db } from "~/server/db";

/**
 * The user's balance: `available` is spendable now; `reserved` is what their
 * active jobs were charged and may still partly come back.
 */
export async function getCreditSummary(client: Db, userId: string) {
  const [user, reserved] = await Promise.all([
    client.user.findUniqueOrThrow({ where: { id: userId }, select: { balance: true } }),
    client.job.aggregate({
      where: { userId, status: { in: ["PENDING", "PROCESSING"] } },
      _sum: { totalCost: true },
      _count: true,
    }),
  ]);
  return { available: user.balance, reserved: reserved._sum.totalCost ?? 0, activeJobs: reserved._count };
}

/** A page of the user's ledger, newest first (cursor = the last entry id seen). */
export async function getLedgerPage(client: Db, userId: string, input: { cursor?: string; limit: number }) {
  const rows = await client.ledgerEntry.findMany({
    where: { userId, ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
    select: {
      id: true, kind: true, amount: true, balanceBefore: true, balanceAfter: true,
      jobId: true, actorType: true, reason: true, createdAt: true,
    },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const hasMore = rows.length > input.limit;
  const items = (hasMore ? rows.slice(0, input.limit) : rows).map((row) => ({ ...row, id: row.id.toString() }));
  return { items, nextCursor: hasMore ? (items.at(-1)?.id ?? null) : null };
}
