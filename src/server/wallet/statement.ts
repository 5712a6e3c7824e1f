import "server-only";

import { LedgerKind } from "~/generated/prisma/enums";
import type { Db, Prisma } from "~/server/db";
import { AppError } from "~/server/errors";
import { expiringSoonDays } from "~/server/wallet/wallet";
import { toPage } from "~/server/pagination";
import type { StatementFilter } from "~/shared/statement-filter";

/** Ledger ids are bigserial: a cursor beyond this was never issued. */
const ledgerIdMax = 2n ** 63n - 1n;
const dayMs = 86_400_000;

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

const ledgerRowSelect = {
  id: true, kind: true, amount: true, balanceBefore: true, balanceAfter: true,
  jobId: true, actorType: true, reason: true, idempotencyKey: true, createdAt: true,
} satisfies Prisma.LedgerEntrySelect;

type LedgerRow = Prisma.LedgerEntryGetPayload<{ select: typeof ledgerRowSelect }>;

/**
 * The where clause of a statement filter, always scoped to one user. Dates
 * are whole UTC days (`to` included). A kind this database does not know
 * (EXPIRE before grants exist) matches nothing rather than failing.
 */
export function ledgerWhere(userId: string, filter: StatementFilter): Prisma.LedgerEntryWhereInput {
  const known = new Set<string>(Object.values(LedgerKind));
  const kinds = filter.kinds?.filter((kind) => known.has(kind));
  const createdAt: Prisma.DateTimeFilter = {};
  if (filter.from) createdAt.gte = new Date(`${filter.from}T00:00:00Z`);
  if (filter.to) createdAt.lt = new Date(Date.parse(`${filter.to}T00:00:00Z`) + dayMs);
  return {
    userId,
    ...(filter.kinds ? { kind: { in: kinds ?? [] } } : {}),
    ...(filter.from || filter.to ? { createdAt } : {}),
  };
}

/** A purchase's entry is keyed `checkout:<id>`: that checkout's receipt. */
function receiptCheckoutId(row: LedgerRow): string | null {
  return row.kind === "PURCHASE" && row.idempotencyKey?.startsWith("checkout:") ? row.idempotencyKey.slice("checkout:".length) : null;
}

/** What the client sees of an entry: not its idempotency key, but the receipt it leads to. */
function toClientRow(row: LedgerRow) {
  const { idempotencyKey: _key, ...visible } = row;
  return { ...visible, id: row.id.toString(), receiptCheckoutId: receiptCheckoutId(row) };
}

/** A page of the user's ledger, newest first (cursor = the last entry id seen), filtered by date range and kinds. */
export async function getLedgerPage(
  client: Db,
  userId: string,
  input: { cursor?: string; limit: number } & StatementFilter,
) {
  const cursor = input.cursor ? BigInt(input.cursor) : null;
  // Out of int8 range, PostgreSQL would fail the query and the client get a 500.
  if (cursor !== null && cursor > ledgerIdMax) {
    throw new AppError("VALIDATION_ERROR", "Not a cursor.", { fieldErrors: { cursor: ["Not a cursor."] } });
  }
  const rows = await client.ledgerEntry.findMany({
    where: { ...ledgerWhere(userId, input), ...(cursor !== null ? { id: { lt: cursor } } : {}) },
    select: ledgerRowSelect,
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const page = toPage(rows, input.limit);
  return { items: page.items.map(toClientRow), nextCursor: page.nextCursor };
}

/** Rows the export reads per query. */
const exportBatchSize = 1_000;
/** An export never reads more than this many entries (a bound on one request's work). */
export const exportRowsMax = 100_000;

/**
 * The user's filtered ledger, newest first, in batches (keyset on the id),
 * for the CSV export: exactly the entries `getLedgerPage` pages through.
 */
export async function* ledgerRowsForExport(client: Db, userId: string, filter: StatementFilter) {
  let cursor: bigint | null = null;
  for (let read = 0; read < exportRowsMax; ) {
    const batch: LedgerRow[] = await client.ledgerEntry.findMany({
      where: { ...ledgerWhere(userId, filter), ...(cursor !== null ? { id: { lt: cursor } } : {}) },
      select: ledgerRowSelect,
      orderBy: { id: "desc" },
      take: Math.min(exportBatchSize, exportRowsMax - read),
    });
    for (const row of batch) yield toClientRow(row);
    read += batch.length;
    if (batch.length < exportBatchSize) return;
    cursor = batch[batch.length - 1]!.id;
  }
}
