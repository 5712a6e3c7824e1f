import "server-only";

import { Prisma } from "~/generated/prisma/client";

/**
 * The integrity checks of SPEC §3, each one read-only SQL that returns the
 * rows breaking one invariant. The database already refuses most of these
 * states (CHECKs, unique indexes, triggers); the checks assert the same facts
 * a second time from the other side, so a dropped constraint, a bulk load
 * with triggers off or a bug in a migration is still caught.
 */

/** What a check is limited to: one user's accounts and jobs, or one job. */
export type IntegrityScope = { workspaceId: string | null; jobId: string | null };

/** One row that breaks an invariant, with the ids an operator follows. */
export type IntegrityViolation = {
  workspaceId: string | null;
  jobId: string | null;
  entryId: string | null;
  message: string;
};

export type IntegrityCheckDefinition = {
  id: string;
  title: string;
  /** The SPEC §3 invariant this check asserts. */
  invariant: string;
  /**
   * Every row that breaks the invariant, as ("workspaceId", "jobId", "entryId",
   * message) — unordered and unlimited: the runner counts, orders and caps
   * them (see `violationsQuery`).
   */
  query: (scope: IntegrityScope, options: { overdueGraceMs: number }) => Prisma.Sql;
};

/** The row shape of `violationsQuery` (`total` = all violations, before LIMIT). */
export type ViolationRow = IntegrityViolation & { total: number };

/**
 * Wraps a check: its violating rows are materialized first, then counted,
 * ordered and capped. The fence matters at scale: with ORDER BY … LIMIT
 * directly on the check, PostgreSQL plans for an early stop — ordered index
 * scans over random UUIDs — and on a healthy database (no early stop) that
 * is several times slower than the hash joins it picks here.
 */
export function violationsQuery(check: Prisma.Sql, limit: number): Prisma.Sql {
  return Prisma.sql`
    WITH v AS MATERIALIZED (${check})
    SELECT v."workspaceId", v."jobId", v."entryId", v.message, count(*) OVER ()::int AS total
    FROM v ORDER BY v."jobId" NULLS LAST, v."entryId"::bigint NULLS LAST, v."workspaceId" NULLS LAST
    LIMIT ${limit}`;
}

const workspaceFilter = (column: string, scope: IntegrityScope) =>
  scope.workspaceId === null ? Prisma.empty : Prisma.sql`AND ${Prisma.raw(column)} = ${scope.workspaceId}`;

const jobFilter = (column: string, scope: IntegrityScope) =>
  scope.jobId === null ? Prisma.empty : Prisma.sql`AND ${Prisma.raw(column)} = ${scope.jobId}::uuid`;

/** Job-level checks also narrow to the user when only a user is in scope. */
const jobScope = (scope: IntegrityScope) =>
  Prisma.sql`${jobFilter("j.id", scope)} ${workspaceFilter("j.workspace_id", scope)}`;

/** Ledger rows of the jobs in scope (by job, so a misposted entry is still found). */
const ledgerJobScope = (scope: IntegrityScope) => {
  if (scope.jobId !== null) return Prisma.sql`AND job_id = ${scope.jobId}::uuid`;
  if (scope.workspaceId !== null) return Prisma.sql`AND job_id IN (SELECT id FROM job WHERE workspace_id = ${scope.workspaceId})`;
  return Prisma.empty;
};

const terminal = Prisma.sql`('COMPLETED', 'FAILED', 'CANCELLED')`;

/** The budgets in scope: a user's, or those a job was charged to. */
const budgetScope = (scope: IntegrityScope) => {
  if (scope.jobId !== null) return Prisma.sql`AND b.id IN (SELECT unnest(budget_ids) FROM job WHERE id = ${scope.jobId}::uuid)`;
  if (scope.workspaceId !== null) return Prisma.sql`AND b.workspace_id = ${scope.workspaceId}`;
  return Prisma.empty;
};

export const integrityChecks: readonly IntegrityCheckDefinition[] = [
  {
    id: "balance-equals-ledger",
    title: "Balance equals the sum of the ledger",
    invariant: "§3.1 Conservation",
    query: (scope) => Prisma.sql`
      SELECT u.id AS "workspaceId", NULL::text AS "jobId", NULL::text AS "entryId",
        format('balance %s but the ledger sums to %s', u.balance, COALESCE(l.total, 0)) AS message
      FROM workspace u
      LEFT JOIN (
        SELECT workspace_id, sum(amount)::bigint AS total FROM ledger_entry
        WHERE true ${workspaceFilter("workspace_id", scope)} GROUP BY workspace_id
      ) l ON l.workspace_id = u.id
      WHERE u.balance <> COALESCE(l.total, 0) ${workspaceFilter("u.id", scope)}`,
  },
  {
    id: "ledger-chain",
    title: "Ledger entries chain and add up",
    invariant: "§3.1 Conservation",
    query: (scope) => Prisma.sql`
      SELECT e.workspace_id AS "workspaceId", e.job_id::text AS "jobId", e.id::text AS "entryId",
        CASE WHEN e.balance_before <> e.previous_after
          THEN format('balance_before %s but the previous entry ended at %s', e.balance_before, e.previous_after)
          ELSE format('%s %s %s does not make %s', e.balance_before, CASE WHEN e.amount < 0 THEN '-' ELSE '+' END,
            abs(e.amount), e.balance_after) END AS message
      FROM (
        SELECT id, workspace_id, job_id, amount, balance_before, balance_after,
          lag(balance_after, 1, 0) OVER (PARTITION BY workspace_id ORDER BY id) AS previous_after
        FROM ledger_entry WHERE true ${workspaceFilter("workspace_id", scope)}
      ) e
      WHERE e.balance_before <> e.previous_after OR e.balance_after <> e.balance_before + e.amount`,
  },
  {
    id: "ledger-tail-matches",
    title: "The account's ledger tail is its last entry",
    invariant: "§3.1 Conservation (the chain the triggers check against)",
    query: (scope) => Prisma.sql`
      SELECT u.id AS "workspaceId", NULL::text AS "jobId", l.id::text AS "entryId",
        format('ledger_tail %s but the last entry ends at %s', COALESCE(u.ledger_tail::text, 'none'),
          COALESCE(l.balance_after::text, 'none')) AS message
      FROM workspace u
      LEFT JOIN LATERAL (
        SELECT id, balance_after FROM ledger_entry WHERE workspace_id = u.id ORDER BY id DESC LIMIT 1
      ) l ON true
      WHERE u.ledger_tail IS DISTINCT FROM l.balance_after ${workspaceFilter("u.id", scope)}`,
  },
  {
    id: "no-negative-balance",
    title: "No negative balance",
    invariant: "§3.2 No overdraft",
    query: (scope) => Prisma.sql`
      SELECT v.* FROM (
        SELECT u.id AS "workspaceId", NULL::text AS "jobId", NULL::text AS "entryId",
          format('balance is %s', u.balance) AS message
        FROM workspace u WHERE u.balance < 0 ${workspaceFilter("u.id", scope)}
        UNION ALL
        SELECT e.workspace_id, e.job_id::text, e.id::text,
          format('entry goes from %s to %s', e.balance_before, e.balance_after)
        FROM ledger_entry e WHERE (e.balance_before < 0 OR e.balance_after < 0) ${workspaceFilter("e.workspace_id", scope)}
      ) v`,
  },
  {
    id: "one-charge-per-job",
    title: "Every job has exactly one charge of its cost",
    invariant: "§3.3 One charge per job",
    // Charges are aggregated per job first and then hash-joined to the jobs:
    // at 1M jobs this is several times faster than grouping the join.
    query: (scope) => Prisma.sql`
      SELECT j.workspace_id AS "workspaceId", j.id::text AS "jobId", c.first_id::text AS "entryId",
        CASE WHEN COALESCE(c.n, 0) <> 1 THEN format('%s charges (expected 1)', COALESCE(c.n, 0))
          WHEN c.min_user <> j.workspace_id OR c.max_user <> j.workspace_id THEN 'charged to another user'
          ELSE format('charged %s but the job costs %s', -c.total, j.total_cost) END AS message
      FROM job j
      LEFT JOIN (
        SELECT job_id, count(*)::int AS n, sum(amount)::bigint AS total, min(id) AS first_id,
          min(workspace_id) AS min_user, max(workspace_id) AS max_user
        FROM ledger_entry WHERE kind = 'CHARGE' ${ledgerJobScope(scope)} GROUP BY job_id
      ) c ON c.job_id = j.id
      WHERE (c.job_id IS NULL OR c.n <> 1 OR c.total <> -j.total_cost OR c.min_user <> j.workspace_id OR c.max_user <> j.workspace_id)
        ${jobScope(scope)}`,
  },
  {
    id: "at-most-one-refund",
    title: "No job is refunded more than once",
    invariant: "§3.4 At most one refund per job",
    query: (scope) => Prisma.sql`
      SELECT j.workspace_id AS "workspaceId", j.id::text AS "jobId", min(r.id)::text AS "entryId",
        format('%s refunds totalling %s', count(*), sum(r.amount)) AS message
      FROM ledger_entry r JOIN job j ON j.id = r.job_id
      WHERE r.kind = 'REFUND' ${jobScope(scope)}
      GROUP BY j.id HAVING count(*) > 1`,
  },
  {
    id: "refund-equals-undelivered",
    title: "Refunds equal the cost of undelivered outputs (the whole cost for a goodwill force-fail)",
    invariant: "§3.4 Refund = undelivered cost",
    query: (scope) => Prisma.sql`
      SELECT v."workspaceId", v."jobId", v."entryId",
        CASE WHEN v.wrong_user THEN 'refunded to another user'
          ELSE format('%s job: refunded %s (job says %s) but %s was undelivered',
            v.status, v.refunded, v.refunded_amount, v.expected) END AS message
      FROM (
        SELECT j.workspace_id AS "workspaceId", j.id::text AS "jobId", r.first_id::text AS "entryId", j.status,
          j.refunded_amount, COALESCE(r.total, 0) AS refunded,
          CASE WHEN j.status IN ('PENDING', 'PROCESSING') THEN 0
            WHEN j.refund_whole_cost THEN j.total_cost
            ELSE (j.outputs_requested - j.outputs_done) * j.price_per_output END AS expected,
          COALESCE(r.min_user <> j.workspace_id OR r.max_user <> j.workspace_id, false) AS wrong_user
        FROM job j
        LEFT JOIN (
          SELECT job_id, sum(amount)::bigint AS total, min(id) AS first_id, min(workspace_id) AS min_user, max(workspace_id) AS max_user
          FROM ledger_entry WHERE kind = 'REFUND' ${ledgerJobScope(scope)} GROUP BY job_id
        ) r ON r.job_id = j.id
        WHERE true ${jobScope(scope)}
      ) v
      WHERE v.refunded <> v.expected OR v.refunded_amount <> v.expected OR v.wrong_user`,
  },
  {
    id: "terminal-without-lease",
    title: "Finished jobs hold no lease",
    invariant: "§3.5 Terminal states are final",
    query: (scope) => Prisma.sql`
      SELECT j.workspace_id AS "workspaceId", j.id::text AS "jobId", NULL::text AS "entryId",
        format('%s but leased by %s until %s', j.status, COALESCE(j.lease_owner, '(nobody)'),
          COALESCE(j.lease_expires_at::text, '(no expiry)')) AS message
      FROM job j
      WHERE j.status IN ${terminal} AND (j.lease_owner IS NOT NULL OR j.lease_expires_at IS NOT NULL)
        ${jobScope(scope)}`,
  },
  {
    id: "no-overdue-jobs",
    title: "No active job is past its deadline plus one cleanup interval",
    invariant: "§3.8 Liveness",
    query: (scope, { overdueGraceMs }) => Prisma.sql`
      SELECT j.workspace_id AS "workspaceId", j.id::text AS "jobId", NULL::text AS "entryId",
        format('%s, deadline %s passed %s ago', j.status, j.deadline_at,
          date_trunc('second', clock_timestamp() - j.deadline_at)) AS message
      FROM job j
      WHERE j.status IN ('PENDING', 'PROCESSING')
        AND j.deadline_at + make_interval(secs => ${overdueGraceMs / 1000}) < clock_timestamp()
        ${jobScope(scope)}`,
  },
  {
    id: "active-bound-covers-active",
    title: "The active-job bound is never below the active jobs",
    invariant: "§3.7 Limits (the bound the create checks first)",
    query: (scope) => Prisma.sql`
      SELECT u.id AS "workspaceId", NULL::text AS "jobId", NULL::text AS "entryId",
        format('jobs_active_bound %s but %s jobs are active', u.jobs_active_bound, a.active) AS message
      FROM workspace u
      JOIN (SELECT workspace_id, count(*)::int AS active FROM job WHERE status IN ('PENDING', 'PROCESSING') GROUP BY workspace_id) a
        ON a.workspace_id = u.id
      WHERE u.jobs_active_bound < a.active ${workspaceFilter("u.id", scope)}`,
  },
  {
    id: "grants-hold-balance",
    title: "The balance is what the open grants hold",
    invariant: "§3.12 Grants",
    query: (scope) => Prisma.sql`
      SELECT u.id AS "workspaceId", NULL::text AS "jobId", NULL::text AS "entryId",
        format('balance %s but the open grants hold %s', u.balance, COALESCE(g.held, 0)) AS message
      FROM workspace u
      LEFT JOIN (SELECT workspace_id, sum(remaining)::bigint AS held FROM credit_grant WHERE closed_at IS NULL GROUP BY workspace_id) g
        ON g.workspace_id = u.id
      WHERE u.balance <> COALESCE(g.held, 0) ${workspaceFilter("u.id", scope)}`,
  },
  {
    id: "grant-remaining-within-amount",
    title: "Every grant holds between nothing and its amount; a closed one nothing",
    invariant: "§3.12 Grants",
    query: (scope) => Prisma.sql`
      SELECT g.workspace_id AS "workspaceId", NULL::text AS "jobId", g.opened_by::text AS "entryId",
        format('grant %s holds %s of %s%s', g.id, g.remaining, g.amount,
          CASE WHEN g.closed_at IS NOT NULL THEN ' but is closed' ELSE '' END) AS message
      FROM credit_grant g
      WHERE (g.remaining < 0 OR g.remaining > g.amount OR (g.closed_at IS NOT NULL AND g.remaining <> 0))
        ${workspaceFilter("g.workspace_id", scope)}`,
  },
  {
    id: "grant-remaining-equals-draws",
    title: "Every open grant holds what its draws left",
    invariant: "§3.12 Grants",
    // A grant made of a balance from before the wallet starts at its amount;
    // every other grant starts at nothing and is opened by a draw.
    query: (scope) => Prisma.sql`
      SELECT g.workspace_id AS "workspaceId", NULL::text AS "jobId", g.opened_by::text AS "entryId",
        format('grant %s holds %s but its draws leave %s', g.id, g.remaining,
          CASE WHEN g.opened_by IS NULL AND g.opened_at IS NOT NULL THEN g.amount ELSE 0 END + COALESCE(d.total, 0)) AS message
      FROM credit_grant g
      LEFT JOIN (SELECT grant_id, sum(amount)::bigint AS total FROM credit_draw GROUP BY grant_id) d ON d.grant_id = g.id
      WHERE g.closed_at IS NULL
        AND g.remaining <> CASE WHEN g.opened_by IS NULL AND g.opened_at IS NOT NULL THEN g.amount ELSE 0 END + COALESCE(d.total, 0)
        ${workspaceFilter("g.workspace_id", scope)}`,
  },
  {
    id: "draws-sum-to-entry",
    title: "The draws of a ledger entry sum to it",
    invariant: "§3.12 Grants",
    // Entries from before the wallet have no draws. An entry whose draws are
    // missing altogether moved a balance no grant holds: grants-hold-balance.
    query: (scope) => Prisma.sql`
      SELECT e.workspace_id AS "workspaceId", e.job_id::text AS "jobId", e.id::text AS "entryId",
        format('%s of %s but its draws sum to %s', e.kind, e.amount, d.total) AS message
      FROM ledger_entry e
      JOIN (SELECT entry_id, sum(amount)::bigint AS total FROM credit_draw GROUP BY entry_id) d ON d.entry_id = e.id
      WHERE e.amount <> d.total ${workspaceFilter("e.workspace_id", scope)}`,
  },
  {
    id: "draws-name-an-entry",
    title: "Every draw names a ledger entry of its grant's account",
    invariant: "§3.12 Grants",
    query: (scope) => Prisma.sql`
      SELECT g.workspace_id AS "workspaceId", NULL::text AS "jobId", d.entry_id::text AS "entryId",
        format('draw of %s on grant %s names %s', d.amount, d.grant_id,
          CASE WHEN e.id IS NULL THEN 'no entry' ELSE 'an entry of another account' END) AS message
      FROM credit_draw d
      JOIN credit_grant g ON g.id = d.grant_id
      LEFT JOIN ledger_entry e ON e.id = d.entry_id
      WHERE (e.id IS NULL OR e.workspace_id <> g.workspace_id) ${workspaceFilter("g.workspace_id", scope)}`,
  },
  {
    id: "grant-returns-within-draws",
    title: "A refund gives no grant more than its charge drew from it",
    invariant: "§3.12 Grants",
    query: (scope) => Prisma.sql`
      SELECT r.workspace_id AS "workspaceId", r.job_id::text AS "jobId", r.id::text AS "entryId",
        format('refund gives grant %s %s but the charge drew %s', rd.grant_id, rd.amount, COALESCE(-cd.amount, 0)) AS message
      FROM ledger_entry r
      JOIN credit_draw rd ON rd.entry_id = r.id
      JOIN ledger_entry c ON c.job_id = r.job_id AND c.kind = 'CHARGE'
      LEFT JOIN credit_draw cd ON cd.entry_id = c.id AND cd.grant_id = rd.grant_id
      JOIN credit_grant g ON g.id = rd.grant_id
      WHERE r.kind = 'REFUND' AND g.opened_by IS DISTINCT FROM r.id AND rd.amount > COALESCE(-cd.amount, 0)
        ${jobFilter("r.job_id", scope)} ${workspaceFilter("r.workspace_id", scope)}`,
  },
  {
    id: "no-expired-open-grant",
    title: "After a sweep, no open grant is past its expiry",
    invariant: "§3.12 Grants",
    // The sweep runs every cleanup interval: a grant may wait that long.
    query: (scope, { overdueGraceMs }) => Prisma.sql`
      SELECT g.workspace_id AS "workspaceId", NULL::text AS "jobId", g.opened_by::text AS "entryId",
        format('grant %s expired %s ago and still holds %s', g.id,
          date_trunc('second', clock_timestamp() - g.expires_at), g.remaining) AS message
      FROM credit_grant g
      WHERE g.closed_at IS NULL AND g.expires_at + make_interval(secs => ${overdueGraceMs / 1000}) < clock_timestamp()
        ${workspaceFilter("g.workspace_id", scope)}`,
  },
  {
    id: "grant-expires-once",
    title: "Each grant is closed by at most one EXPIRE",
    invariant: "§3.12 Grants",
    query: (scope) => Prisma.sql`
      SELECT min(e.workspace_id) AS "workspaceId", NULL::text AS "jobId", min(e.id)::text AS "entryId",
        format('grant %s has %s closing EXPIRE entries', e.grant_id, count(*)) AS message
      FROM ledger_entry e
      WHERE e.kind = 'EXPIRE' AND e.grant_id IS NOT NULL ${workspaceFilter("e.workspace_id", scope)}
      GROUP BY e.grant_id HAVING count(*) > 1`,
  },
  {
    id: "budget-spend-matches-jobs",
    title: "Each budget's spending is its jobs' charges less refunds, within its limit",
    invariant: "§3.14 Budgets",
    // A spend row against the jobs that name its budget and fall in its
    // period (by created_at, the period they were charged in); a job naming
    // a budget and period that has no spend row, or a budget that is not its
    // account's, breaks it too.
    query: (scope) => Prisma.sql`
      WITH scoped AS (
        SELECT b.id, b.workspace_id, b.period, b.time_zone FROM budget b WHERE true ${budgetScope(scope)}
      ), charged AS (
        SELECT b.id AS budget_id, b.workspace_id, budget_period_start(b.period, b.time_zone, j.created_at) AS period_start,
          sum(j.total_cost - j.refunded_amount)::bigint AS total, min(j.id::text) AS first_job
        FROM job j CROSS JOIN LATERAL unnest(j.budget_ids) AS n(budget_id)
        JOIN scoped b ON b.id = n.budget_id AND b.workspace_id = j.workspace_id
        WHERE cardinality(j.budget_ids) > 0
        GROUP BY b.id, b.workspace_id, 3
      ), spends AS (
        SELECT s.budget_id, b.workspace_id, s.period_start, s.spent, s.limit_credits
        FROM budget_spend s JOIN scoped b ON b.id = s.budget_id
      )
      SELECT COALESCE(s.workspace_id, c.workspace_id) AS "workspaceId", CASE WHEN s.budget_id IS NULL THEN c.first_job END AS "jobId",
        NULL::text AS "entryId",
        CASE WHEN s.budget_id IS NULL
            THEN format('budget %s, period from %s: its jobs were charged %s but it has no spend row', c.budget_id, c.period_start, c.total)
          WHEN s.spent <> COALESCE(c.total, 0)
            THEN format('budget %s, period from %s: spent %s but its jobs were charged %s less refunds', s.budget_id, s.period_start,
              s.spent, COALESCE(c.total, 0))
          ELSE format('budget %s, period from %s: spent %s over its limit of %s', s.budget_id, s.period_start, s.spent, s.limit_credits)
        END AS message
      FROM spends s FULL JOIN charged c ON c.budget_id = s.budget_id AND c.period_start = s.period_start
      WHERE s.budget_id IS NULL OR s.spent <> COALESCE(c.total, 0) OR s.spent > s.limit_credits
      UNION ALL
      SELECT j.workspace_id, j.id::text, NULL::text,
        format('names budget %s, %s', n.budget_id, CASE WHEN b.id IS NULL THEN 'which does not exist' ELSE 'of another account' END)
      FROM job j CROSS JOIN LATERAL unnest(j.budget_ids) AS n(budget_id)
      LEFT JOIN budget b ON b.id = n.budget_id
      WHERE cardinality(j.budget_ids) > 0 AND (b.id IS NULL OR b.workspace_id <> j.workspace_id) ${jobScope(scope)}`,
  },
  {
    id: "admin-rollups-match-facts",
    title: "The dashboard's hourly roll-ups match the jobs and ledger",
    invariant: "Admin roll-ups = a recount",
    // Every closed hour's roll-up rows against a recount of its facts (jobs
    // by status, the duration histogram, entries and credits by kind). A
    // whole-database check: scoped runs (one user or job) skip it.
    query: (scope) => scope.workspaceId !== null || scope.jobId !== null
      ? Prisma.sql`SELECT NULL::text AS "workspaceId", NULL::text AS "jobId", NULL::text AS "entryId", NULL::text AS message WHERE false`
      : Prisma.sql`
      WITH stored AS (
        SELECT hour, 'jobs ' || status AS what, jobs::bigint AS value FROM admin_rollup_job
        UNION ALL SELECT d.hour, 'completed in duration bucket ' || (d.first_bucket + b.i - 1), b.n
          FROM admin_rollup_duration d CROSS JOIN LATERAL unnest(d.jobs) WITH ORDINALITY AS b(n, i) WHERE b.n > 0
        UNION ALL SELECT hour, 'entries ' || kind, entries FROM admin_rollup_credit
        UNION ALL SELECT hour, 'credits ' || kind, amount FROM admin_rollup_credit
      ), recounted AS (
        SELECT c.hour, 'jobs ' || j.status AS what, count(*)::bigint AS value
        FROM admin_rollup_hour c JOIN job j ON j.created_at >= c.hour AND j.created_at < c.hour + interval '1 hour'
        GROUP BY c.hour, j.status
        UNION ALL
        SELECT c.hour, 'completed in duration bucket ' || admin_job_duration_bucket(j.created_at, j.finished_at), count(*)
        FROM admin_rollup_hour c JOIN job j ON j.created_at >= c.hour AND j.created_at < c.hour + interval '1 hour'
        WHERE j.status = 'COMPLETED'
        GROUP BY 1, 2
        UNION ALL
        SELECT c.hour, unnest(ARRAY['entries ' || l.kind, 'credits ' || l.kind]), unnest(ARRAY[count(*), sum(l.amount)])
        FROM admin_rollup_hour c JOIN ledger_entry l ON l.created_at >= c.hour AND l.created_at < c.hour + interval '1 hour'
        GROUP BY c.hour, l.kind
      )
      SELECT NULL::text AS "workspaceId", NULL::text AS "jobId", NULL::text AS "entryId",
        format('hour %s: %s is %s in the roll-up but %s in the facts (reopen it with admin_rollup_reset)',
          to_char(COALESCE(s.hour, r.hour) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:00 "UTC"'), COALESCE(s.what, r.what),
          COALESCE(s.value, 0), COALESCE(r.value, 0)) AS message
      FROM stored s FULL JOIN recounted r ON r.hour = s.hour AND r.what = s.what
      WHERE s.value IS DISTINCT FROM r.value`,
  },
];
