import "server-only";

import { LedgerKind } from "~/generated/prisma/enums";
import type { Db, Prisma } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { expiringSoonDays } from "~/server/wallet/wallet";
import { toPage } from "~/server/pagination";
import type { StatementFilter } from "~/shared/statement-filter";

/** Ledger ids are bigserial: a cursor beyond this was never issued. */
const ledgerIdMax = 2n ** 63n - 1n;
const dayMs = 86_400_000;

/**
 * The user's balance as of the database's clock: `available` is what a
 * create can spend now; `reserved` is what their active jobs were charged
 * and may still partly come back; `expiringSoon` the credits that expire
 * first, when that is within two weeks (never a moment already past).
 *
 * The stored balance changes at the account's next movement or the sweep;
 * until then it may still hold a grant that has expired (or miss one that
 * became effective). A create brings the grants up to the clock before it
 * checks the balance (cw_refresh_grants), so the summary counts them the
 * same way at read time: the balance, less what is left on open grants past
 * their expiry, plus scheduled grants now effective and not expired. Each
 * read is one statement, so it sees one moment of the clock.
 */
export async function getCreditSummary(client: Db, workspaceId: string) {
  const [balances, reserved] = await Promise.all([
    client.$queryRaw<{ available: number; expiringCredits: number | null; expiresAt: Date | null }[]>`
      WITH clock AS (SELECT clock_timestamp() AS now),
      grants AS (
        SELECT g.remaining, g.amount, g.opened_at, g.effective_at, g.expires_at FROM credit_grant g
        WHERE g.workspace_id = ${workspaceId} AND g.closed_at IS NULL),
      live AS (
        -- What a create would find spendable after bringing the grants up to the clock.
        SELECT CASE WHEN g.opened_at IS NULL THEN g.amount ELSE g.remaining END AS credits, g.expires_at
        FROM grants g, clock
        WHERE (g.expires_at IS NULL OR g.expires_at > clock.now) AND (g.opened_at IS NOT NULL OR g.effective_at <= clock.now)),
      soon AS (
        SELECT credits, expires_at FROM live, clock
        WHERE credits > 0 AND expires_at < clock.now + make_interval(days => ${expiringSoonDays}))
      SELECT u.balance
          - COALESCE((SELECT sum(g.remaining) FROM grants g, clock WHERE g.opened_at IS NOT NULL AND g.expires_at <= clock.now), 0)::int
          + COALESCE((SELECT sum(g.amount) FROM grants g, clock
                      WHERE g.opened_at IS NULL AND g.effective_at <= clock.now AND (g.expires_at IS NULL OR g.expires_at > clock.now)), 0)::int
          AS available,
        -- The first credits to expire within the warning horizon, and every credit that expires within a day of them.
        (SELECT sum(credits)::int FROM soon WHERE expires_at < (SELECT min(expires_at) FROM soon) + interval '1 day') AS "expiringCredits",
        (SELECT min(expires_at) FROM soon) AS "expiresAt"
      FROM workspace u WHERE u.id = ${workspaceId}`,
    client.job.aggregate({
      where: { workspaceId, status: { in: ["PENDING", "PROCESSING"] } },
      _sum: { totalCost: true },
      _count: true,
    }),
  ]);
  const balance = balances[0];
  if (!balance) throw new AppError("NOT_FOUND", "No such account.");
  assert(balance.available >= 0, "the credits spendable now are never negative");
  return {
    available: balance.available,
    reserved: reserved._sum.totalCost ?? 0,
    activeJobs: reserved._count,
    expiringSoon: balance.expiringCredits && balance.expiresAt ? { credits: balance.expiringCredits, expiresAt: balance.expiresAt } : null,
  };
}

const ledgerRowSelect = {
  id: true, kind: true, amount: true, balanceBefore: true, balanceAfter: true,
  jobId: true, actorType: true, actorId: true, reason: true, idempotencyKey: true, createdAt: true,
  job: { select: { actorUserId: true } },
} satisfies Prisma.LedgerEntrySelect;

type LedgerRow = Prisma.LedgerEntryGetPayload<{ select: typeof ledgerRowSelect }>;

/**
 * The where clause of a statement filter, always scoped to one user. Dates
 * are whole UTC days (`to` included). A kind this database does not know
 * (EXPIRE before grants exist) matches nothing rather than failing.
 */
export function ledgerWhere(workspaceId: string, filter: StatementFilter): Prisma.LedgerEntryWhereInput {
  const known = new Set<string>(Object.values(LedgerKind));
  const kinds = filter.kinds?.filter((kind) => known.has(kind));
  const createdAt: Prisma.DateTimeFilter = {};
  if (filter.from) createdAt.gte = new Date(`${filter.from}T00:00:00Z`);
  if (filter.to) createdAt.lt = new Date(Date.parse(`${filter.to}T00:00:00Z`) + dayMs);
  return {
    workspaceId,
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
  const { idempotencyKey: _key, job: _job, actorId: _actorId, ...visible } = row;
  return { ...visible, id: row.id.toString(), receiptCheckoutId: receiptCheckoutId(row), actorUserId: memberOf(row) };
}

/**
 * The member who spent or added the credits of an entry (SPEC §9: "each
 * job and ledger entry also records the member who acted"): a job's
 * entries (its charge, and a refund the worker wrote) belong to the member
 * who created the job; otherwise the user who acted, if a user did.
 */
function memberOf(row: LedgerRow): string | null {
  return row.job?.actorUserId ?? (row.actorType === "USER" ? row.actorId : null);
}

/**
 * The names of the members behind a page of entries, one query: the
 * statement's "By" column. A deleted user's row keeps its anonymised name.
 */
async function withMemberNames<T extends { actorUserId: string | null }>(client: Db, rows: T[]): Promise<(T & { by: string | null })[]> {
  const ids = [...new Set(rows.map((row) => row.actorUserId).filter((id): id is string => id !== null))];
  const users = ids.length ? await client.user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }) : [];
  const names = new Map(users.map((user) => [user.id, user.name]));
  return rows.map((row) => ({ ...row, by: row.actorUserId ? (names.get(row.actorUserId) ?? null) : null }));
}

/** A page of the user's ledger, newest first (cursor = the last entry id seen), filtered by date range and kinds. */
export async function getLedgerPage(
  client: Db,
  workspaceId: string,
  input: { cursor?: string; limit: number } & StatementFilter,
) {
  const cursor = input.cursor ? BigInt(input.cursor) : null;
  // Out of int8 range, PostgreSQL would fail the query and the client get a 500.
  if (cursor !== null && cursor > ledgerIdMax) {
    throw new AppError("VALIDATION_ERROR", "Not a cursor.", { fieldErrors: { cursor: ["Not a cursor."] } });
  }
  const rows = await client.ledgerEntry.findMany({
    where: { ...ledgerWhere(workspaceId, input), ...(cursor !== null ? { id: { lt: cursor } } : {}) },
    select: ledgerRowSelect,
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const page = toPage(rows, input.limit);
  return { items: await withMemberNames(client, page.items.map(toClientRow)), nextCursor: page.nextCursor };
}

/** Rows the export reads per query. */
const exportBatchSize = 1_000;
/** An export never reads more than this many entries (a bound on one request's work). */
export const exportRowsMax = 100_000;

/**
 * The user's filtered ledger, newest first, in batches (keyset on the id),
 * for the CSV export: exactly the entries `getLedgerPage` pages through.
 */
export async function* ledgerRowsForExport(client: Db, workspaceId: string, filter: StatementFilter) {
  let cursor: bigint | null = null;
  for (let read = 0; read < exportRowsMax; ) {
    const batch: LedgerRow[] = await client.ledgerEntry.findMany({
      where: { ...ledgerWhere(workspaceId, filter), ...(cursor !== null ? { id: { lt: cursor } } : {}) },
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
