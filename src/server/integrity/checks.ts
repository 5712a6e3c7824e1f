import { Prisma } from "~/generated/prisma/client";

/**
 * The integrity checks of SPEC §3, each one read-only SQL that returns the
 * rows breaking one invariant. The database already refuses most of these
 * states (CHECKs, unique indexes, triggers); the checks assert the same facts
 * a second time from the other side, so a dropped constraint, a bulk load
 * with triggers off or a bug in a migration is still caught.
 */

/** What a check is limited to: one user's accounts and jobs, or one job. */
export type IntegrityScope = { userId: string | null; jobId: string | null };

/** One row that breaks an invariant, with the ids an operator follows. */
export type IntegrityViolation = {
  userId: string | null;
  jobId: string | null;
  entryId: string | null;
  message: string;
};

/** The row shape every check query returns (`total` = count before LIMIT). */
export type ViolationRow = IntegrityViolation & { total: number };

export type IntegrityCheckDefinition = {
  id: string;
  title: string;
  /** The SPEC §3 invariant this check asserts. */
  invariant: string;
  query: (scope: IntegrityScope, options: { limit: number; overdueGraceMs: number }) => Prisma.Sql;
};

const userFilter = (column: string, scope: IntegrityScope) =>
  scope.userId === null ? Prisma.empty : Prisma.sql`AND ${Prisma.raw(column)} = ${scope.userId}`;

const jobFilter = (column: string, scope: IntegrityScope) =>
  scope.jobId === null ? Prisma.empty : Prisma.sql`AND ${Prisma.raw(column)} = ${scope.jobId}::uuid`;

/** Job-level checks also narrow to the user when only a user is in scope. */
const jobScope = (scope: IntegrityScope) =>
  Prisma.sql`${jobFilter("j.id", scope)} ${userFilter("j.user_id", scope)}`;

const terminal = Prisma.sql`('COMPLETED', 'FAILED', 'CANCELLED')`;

export const integrityChecks: readonly IntegrityCheckDefinition[] = [
  {
    id: "balance-equals-ledger",
    title: "Balance equals the sum of the ledger",
    invariant: "§3.1 Conservation",
    query: (scope, { limit }) => Prisma.sql`
      SELECT u.id AS "userId", NULL::text AS "jobId", NULL::text AS "entryId",
        format('balance %s but the ledger sums to %s', u.balance, COALESCE(l.total, 0)) AS message,
        count(*) OVER ()::int AS total
      FROM "user" u
      LEFT JOIN (
        SELECT user_id, sum(amount)::bigint AS total FROM ledger_entry
        WHERE true ${userFilter("user_id", scope)} GROUP BY user_id
      ) l ON l.user_id = u.id
      WHERE u.balance <> COALESCE(l.total, 0) ${userFilter("u.id", scope)}
      ORDER BY u.id LIMIT ${limit}`,
  },
  {
    id: "ledger-chain",
    title: "Ledger entries chain and add up",
    invariant: "§3.1 Conservation",
    query: (scope, { limit }) => Prisma.sql`
      SELECT e.user_id AS "userId", e.job_id::text AS "jobId", e.id::text AS "entryId",
        CASE WHEN e.balance_before <> e.previous_after
          THEN format('balance_before %s but the previous entry ended at %s', e.balance_before, e.previous_after)
          ELSE format('%s %s %s does not make %s', e.balance_before, CASE WHEN e.amount < 0 THEN '-' ELSE '+' END,
            abs(e.amount), e.balance_after) END AS message,
        count(*) OVER ()::int AS total
      FROM (
        SELECT id, user_id, job_id, amount, balance_before, balance_after,
          lag(balance_after, 1, 0) OVER (PARTITION BY user_id ORDER BY id) AS previous_after
        FROM ledger_entry WHERE true ${userFilter("user_id", scope)}
      ) e
      WHERE e.balance_before <> e.previous_after OR e.balance_after <> e.balance_before + e.amount
      ORDER BY e.id LIMIT ${limit}`,
  },
  {
    id: "no-negative-balance",
    title: "No negative balance",
    invariant: "§3.2 No overdraft",
    query: (scope, { limit }) => Prisma.sql`
      SELECT v.*, count(*) OVER ()::int AS total FROM (
        SELECT u.id AS "userId", NULL::text AS "jobId", NULL::text AS "entryId",
          format('balance is %s', u.balance) AS message
        FROM "user" u WHERE u.balance < 0 ${userFilter("u.id", scope)}
        UNION ALL
        SELECT e.user_id, e.job_id::text, e.id::text,
          format('entry goes from %s to %s', e.balance_before, e.balance_after)
        FROM ledger_entry e WHERE (e.balance_before < 0 OR e.balance_after < 0) ${userFilter("e.user_id", scope)}
      ) v
      ORDER BY v."userId", v."entryId" NULLS FIRST LIMIT ${limit}`,
  },
  {
    id: "one-charge-per-job",
    title: "Every job has exactly one charge of its cost",
    invariant: "§3.3 One charge per job",
    query: (scope, { limit }) => Prisma.sql`
      SELECT j.user_id AS "userId", j.id::text AS "jobId", min(c.id)::text AS "entryId",
        CASE WHEN count(c.id) <> 1 THEN format('%s charges (expected 1)', count(c.id))
          WHEN bool_or(c.user_id <> j.user_id) THEN 'charged to another user'
          ELSE format('charged %s but the job costs %s', -sum(c.amount), j.total_cost) END AS message,
        count(*) OVER ()::int AS total
      FROM job j
      LEFT JOIN ledger_entry c ON c.job_id = j.id AND c.kind = 'CHARGE'
      WHERE true ${jobScope(scope)}
      GROUP BY j.id
      HAVING count(c.id) <> 1 OR sum(c.amount) <> -j.total_cost OR bool_or(c.user_id <> j.user_id)
      ORDER BY j.id LIMIT ${limit}`,
  },
  {
    id: "at-most-one-refund",
    title: "No job is refunded more than once",
    invariant: "§3.4 At most one refund per job",
    query: (scope, { limit }) => Prisma.sql`
      SELECT j.user_id AS "userId", j.id::text AS "jobId", min(r.id)::text AS "entryId",
        format('%s refunds totalling %s', count(*), sum(r.amount)) AS message,
        count(*) OVER ()::int AS total
      FROM ledger_entry r JOIN job j ON j.id = r.job_id
      WHERE r.kind = 'REFUND' ${jobScope(scope)}
      GROUP BY j.id HAVING count(*) > 1
      ORDER BY j.id LIMIT ${limit}`,
  },
  {
    id: "refund-equals-undelivered",
    title: "Refunds equal the cost of undelivered outputs",
    invariant: "§3.4 Refund = undelivered cost",
    query: (scope, { limit }) => Prisma.sql`
      SELECT v."userId", v."jobId", v."entryId",
        format('%s job: refunded %s (job says %s) but %s was undelivered',
          v.status, v.refunded, v.refunded_amount, v.expected) AS message,
        count(*) OVER ()::int AS total
      FROM (
        SELECT j.user_id AS "userId", j.id::text AS "jobId", min(r.id)::text AS "entryId", j.status,
          j.refunded_amount, COALESCE(sum(r.amount), 0)::int AS refunded,
          CASE WHEN j.status = 'COMPLETED' THEN (j.outputs_requested - j.outputs_done) * j.price_per_output
            WHEN j.status IN ('FAILED', 'CANCELLED') THEN j.total_cost ELSE 0 END AS expected,
          bool_or(r.user_id <> j.user_id) AS wrong_user
        FROM job j
        LEFT JOIN ledger_entry r ON r.job_id = j.id AND r.kind = 'REFUND'
        WHERE true ${jobScope(scope)}
        GROUP BY j.id
      ) v
      WHERE v.refunded <> v.expected OR v.refunded_amount <> v.expected OR v.wrong_user
      ORDER BY v."jobId" LIMIT ${limit}`,
  },
  {
    id: "terminal-without-lease",
    title: "Finished jobs hold no lease",
    invariant: "§3.5 Terminal states are final",
    query: (scope, { limit }) => Prisma.sql`
      SELECT j.user_id AS "userId", j.id::text AS "jobId", NULL::text AS "entryId",
        format('%s but leased by %s until %s', j.status, COALESCE(j.lease_owner, '(nobody)'),
          COALESCE(j.lease_expires_at::text, '(no expiry)')) AS message,
        count(*) OVER ()::int AS total
      FROM job j
      WHERE j.status IN ${terminal} AND (j.lease_owner IS NOT NULL OR j.lease_expires_at IS NOT NULL)
        ${jobScope(scope)}
      ORDER BY j.id LIMIT ${limit}`,
  },
  {
    id: "no-overdue-jobs",
    title: "No active job is past its deadline plus one cleanup interval",
    invariant: "§3.8 Liveness",
    query: (scope, { limit, overdueGraceMs }) => Prisma.sql`
      SELECT j.user_id AS "userId", j.id::text AS "jobId", NULL::text AS "entryId",
        format('%s, deadline %s passed %s ago', j.status, j.deadline_at,
          date_trunc('second', clock_timestamp() - j.deadline_at)) AS message,
        count(*) OVER ()::int AS total
      FROM job j
      WHERE j.status IN ('PENDING', 'PROCESSING')
        AND j.deadline_at + make_interval(secs => ${overdueGraceMs / 1000}) < clock_timestamp()
        ${jobScope(scope)}
      ORDER BY j.deadline_at LIMIT ${limit}`,
  },
];
