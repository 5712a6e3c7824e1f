import pg from "pg";

/** One broken invariant, with the rows that show it (capped). */
export type Violation = { invariant: string; rows: unknown[] };

type Check = { invariant: string; sql: string; onlyWhenQuiet?: boolean };

const rowsShownMax = 5;

/**
 * Invariant 14 from the jobs' side: for each budget and period, the jobs
 * that name the budget and were created in the period (in the budget's time
 * zone), and their charges less refunds.
 */
const budgetCountedSql = `
  WITH counted AS (
    SELECT b.id AS budget_id, budget_period_start(b.period, b.time_zone, j.created_at) AS period_start,
      sum(j.total_cost - j.refunded_amount)::int AS expected, count(*)::int AS jobs
    FROM job j CROSS JOIN LATERAL unnest(j.budget_ids) AS u(budget_id) JOIN budget b ON b.id = u.budget_id
    GROUP BY 1, 2)`;

/**
 * SPEC §3 as SQL over the whole database. Every query returns the rows that
 * break its invariant, so an empty result means the invariant holds. The
 * "quiet" checks (every job terminal) only make sense once the run is over.
 */
const checks: Check[] = [
  {
    invariant: "§3.1 conservation: balance = sum of the user's ledger",
    sql: `SELECT u.id, u.balance, COALESCE(sum(l.amount), 0)::int AS ledger_sum
          FROM workspace u LEFT JOIN ledger_entry l ON l.workspace_id = u.id
          GROUP BY u.id HAVING u.balance <> COALESCE(sum(l.amount), 0)`,
  },
  {
    invariant: "§3.1 conservation: balance_after = balance_before + amount",
    sql: `SELECT id, workspace_id FROM ledger_entry WHERE balance_after <> balance_before + amount`,
  },
  {
    invariant: "§3.1 conservation: each entry starts where the previous one ended",
    sql: `SELECT id, workspace_id, balance_before, previous_after FROM (
            SELECT id, workspace_id, balance_before,
              COALESCE(lag(balance_after) OVER (PARTITION BY workspace_id ORDER BY id), 0) AS previous_after
            FROM ledger_entry) chain
          WHERE balance_before <> previous_after`,
  },
  {
    invariant: "§3.2 no overdraft",
    sql: `SELECT id, balance FROM workspace WHERE balance < 0
          UNION ALL SELECT workspace_id, balance_after FROM ledger_entry WHERE balance_after < 0`,
  },
  {
    invariant: "§3.3 exactly one CHARGE of the job's cost per job",
    sql: `SELECT j.id, count(l.id) AS charges, min(l.amount) AS amount, j.total_cost
          FROM job j LEFT JOIN ledger_entry l ON l.job_id = j.id AND l.kind = 'CHARGE'
          GROUP BY j.id HAVING count(l.id) <> 1 OR min(l.amount) <> -j.total_cost`,
  },
  {
    invariant: "§3.3 no CHARGE without its job",
    sql: `SELECT id FROM ledger_entry WHERE kind = 'CHARGE' AND job_id IS NULL`,
  },
  {
    invariant: "§3.1 the account's ledger tail is its last entry's balance_after",
    sql: `SELECT u.id, u.ledger_tail, l.balance_after FROM workspace u
          LEFT JOIN LATERAL (SELECT balance_after FROM ledger_entry WHERE workspace_id = u.id ORDER BY id DESC LIMIT 1) l ON true
          WHERE u.ledger_tail IS DISTINCT FROM l.balance_after`,
  },
  {
    invariant: "§3.7 the active-job bound is never below the active jobs",
    sql: `SELECT u.id, u.jobs_active_bound, count(j.id) AS active FROM workspace u
          JOIN job j ON j.workspace_id = u.id AND j.status IN ('PENDING', 'PROCESSING')
          GROUP BY u.id HAVING u.jobs_active_bound < count(j.id)`,
  },
  {
    invariant: "§3.4 at most one REFUND, equal to refunded_amount and the undelivered outputs (the whole cost for goodwill)",
    sql: `SELECT j.id, j.status, count(l.id) AS refunds, COALESCE(sum(l.amount), 0) AS refunded,
            j.refunded_amount, j.outputs_done, j.outputs_requested, j.total_cost, j.refund_whole_cost
          FROM job j LEFT JOIN ledger_entry l ON l.job_id = j.id AND l.kind = 'REFUND'
          GROUP BY j.id
          HAVING count(l.id) > 1
            OR COALESCE(sum(l.amount), 0) <> j.refunded_amount
            OR j.refunded_amount > j.total_cost
            OR (j.status IN ('PENDING', 'PROCESSING') AND count(l.id) > 0)
            OR (j.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND j.refunded_amount <>
                CASE WHEN j.refund_whole_cost THEN j.total_cost
                     ELSE (j.outputs_requested - j.outputs_done) * j.price_per_output END)`,
  },
  {
    invariant: "§3.9 outputs: one per (job, index), counted exactly",
    sql: `SELECT j.id, j.outputs_done, count(o.id) FILTER (WHERE o.status = 'COMPLETED') AS completed
          FROM job j LEFT JOIN job_output o ON o.job_id = j.id
          GROUP BY j.id
          HAVING j.outputs_done <> count(o.id) FILTER (WHERE o.status = 'COMPLETED')
            OR count(o.id) > j.outputs_requested OR count(o.id) <> count(DISTINCT o.index)`,
  },
  {
    invariant: "§3.6 one job per (user, idempotency key)",
    sql: `SELECT workspace_id, idempotency_key, count(*) FROM job GROUP BY 1, 2 HAVING count(*) > 1`,
  },
  {
    invariant: "§3.12 balance = sum of remaining over the open grants",
    sql: `SELECT u.id, u.balance, COALESCE(g.held, 0) AS held FROM workspace u
          LEFT JOIN (SELECT workspace_id, sum(remaining) AS held FROM credit_grant WHERE closed_at IS NULL GROUP BY workspace_id) g
            ON g.workspace_id = u.id
          WHERE u.balance <> COALESCE(g.held, 0)`,
  },
  {
    invariant: "§3.12 0 ≤ remaining ≤ amount; a closed grant holds nothing; remaining = its draws",
    sql: `SELECT g.id, g.remaining, g.amount, g.closed_at, COALESCE(d.total, 0) AS draws FROM credit_grant g
          LEFT JOIN (SELECT grant_id, sum(amount) AS total FROM credit_draw GROUP BY grant_id) d ON d.grant_id = g.id
          WHERE g.remaining < 0 OR g.remaining > g.amount OR (g.closed_at IS NOT NULL AND g.remaining <> 0)
            OR (g.closed_at IS NULL AND g.remaining <>
                CASE WHEN g.opened_by IS NULL AND g.opened_at IS NOT NULL THEN g.amount ELSE 0 END + COALESCE(d.total, 0))`,
  },
  {
    invariant: "§3.12 the draws of an entry sum to it",
    sql: `SELECT e.id, e.kind, e.amount, d.total FROM ledger_entry e
          JOIN (SELECT entry_id, sum(amount) AS total FROM credit_draw GROUP BY entry_id) d ON d.entry_id = e.id
          WHERE e.amount <> d.total`,
  },
  {
    invariant: "§3.12 every draw names an entry of its grant's account",
    sql: `SELECT d.entry_id, d.grant_id FROM credit_draw d JOIN credit_grant g ON g.id = d.grant_id
          LEFT JOIN ledger_entry e ON e.id = d.entry_id WHERE e.id IS NULL OR e.workspace_id <> g.workspace_id`,
  },
  {
    invariant: "§3.12 a refund gives no grant more than the charge drew from it",
    sql: `SELECT r.id, rd.grant_id, rd.amount, cd.amount AS drawn FROM ledger_entry r
          JOIN credit_draw rd ON rd.entry_id = r.id
          JOIN ledger_entry c ON c.job_id = r.job_id AND c.kind = 'CHARGE'
          JOIN credit_grant g ON g.id = rd.grant_id
          LEFT JOIN credit_draw cd ON cd.entry_id = c.id AND cd.grant_id = rd.grant_id
          WHERE r.kind = 'REFUND' AND g.opened_by IS DISTINCT FROM r.id AND rd.amount > COALESCE(-cd.amount, 0)`,
  },
  {
    invariant: "§3.12 each grant expires at most once",
    sql: `SELECT grant_id, count(*) FROM ledger_entry WHERE kind = 'EXPIRE' AND grant_id IS NOT NULL
          GROUP BY grant_id HAVING count(*) > 1`,
  },
  {
    invariant: "§3.14 each budget's spend in each period = charges less refunds of its jobs created in that period, within 0 … its limit",
    sql: `${budgetCountedSql}
          SELECT COALESCE(s.budget_id, c.budget_id) AS budget_id, COALESCE(s.period_start, c.period_start) AS period_start,
            s.spent, s.limit_credits, c.expected, c.jobs
          FROM budget_spend s FULL JOIN counted c ON c.budget_id = s.budget_id AND c.period_start = s.period_start
          WHERE COALESCE(s.spent, -1) <> COALESCE(c.expected, 0) OR s.spent < 0 OR s.spent > s.limit_credits`,
  },
  {
    invariant: "§3.14 a job counts only against budgets of its own account, each once, one ACCOUNT budget at most, an API_KEY budget only of its key",
    sql: `SELECT j.id, j.workspace_id, j.api_key_id, j.budget_ids FROM job j
          JOIN LATERAL (
            SELECT count(*) FILTER (WHERE b.id IS NULL OR b.workspace_id <> j.workspace_id) AS foreign_or_missing,
                   count(*) - count(DISTINCT u.budget_id) AS repeated,
                   count(*) FILTER (WHERE b.scope = 'ACCOUNT') AS account_budgets,
                   count(*) FILTER (WHERE b.scope = 'API_KEY' AND b.api_key_id IS DISTINCT FROM j.api_key_id) AS other_keys
            FROM unnest(j.budget_ids) AS u(budget_id) LEFT JOIN budget b ON b.id = u.budget_id) c ON true
          WHERE c.foreign_or_missing > 0 OR c.repeated > 0 OR c.account_budgets > 1 OR c.other_keys > 0`,
  },
  {
    invariant: "§3.12 after a sweep no open grant is past its expiry",
    sql: `SELECT id, workspace_id, expires_at, remaining FROM credit_grant WHERE closed_at IS NULL AND expires_at < clock_timestamp()`,
    onlyWhenQuiet: true,
  },
  {
    invariant: "§3.8 every job terminal once the run is over",
    sql: `SELECT id, status, attempts, deadline_at FROM job WHERE status IN ('PENDING', 'PROCESSING')`,
    onlyWhenQuiet: true,
  },
];

/**
 * Runs every invariant of SPEC §3 against `databaseUrl` and returns what is
 * broken (empty = all hold). `quiet` adds the checks that only hold once no
 * job is in flight.
 */
export async function findViolations(databaseUrl: string, options: { quiet: boolean }): Promise<Violation[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const violations: Violation[] = [];
    for (const check of checks) {
      if (check.onlyWhenQuiet && !options.quiet) continue;
      const result = await client.query(check.sql);
      if (result.rows.length > 0) {
        violations.push({ invariant: check.invariant, rows: result.rows.slice(0, rowsShownMax) });
      }
    }
    return violations;
  } finally {
    await client.end();
  }
}

/** The total credits in the system: balances, and the ledger that explains them. */
export async function creditTotals(databaseUrl: string): Promise<{ balances: number; ledger: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ balances: string; ledger: string }>(
      `SELECT (SELECT COALESCE(sum(balance), 0) FROM workspace) AS balances,
              (SELECT COALESCE(sum(amount), 0) FROM ledger_entry) AS ledger`,
    );
    const row = result.rows[0];
    return { balances: Number(row?.balances ?? 0), ledger: Number(row?.ledger ?? 0) };
  } finally {
    await client.end();
  }
}

/** Invariant 14's figures at the end of a run: what was checked, and how close to their limits the budgets came. */
export type BudgetFigures = {
  budgets: number;
  liveBudgets: number;
  budgetChanges: number;
  spendRows: number;
  /** Distinct period starts among the spend rows (the epoch for TOTAL; two months when a period was moved). */
  periods: number;
  spendRowsAtLimit: number;
  spentCredits: number;
  jobsCounted: number;
  /** Jobs counted against a budget and refunded (in part or whole) since: each gave its budget back. */
  jobsCountedRefunded: number;
};

export async function budgetFigures(databaseUrl: string): Promise<BudgetFigures> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<Record<keyof BudgetFigures, number>>(`
      SELECT (SELECT count(*) FROM budget)::int AS "budgets",
             (SELECT count(*) FROM budget WHERE removed_at IS NULL)::int AS "liveBudgets",
             (SELECT count(*) FROM budget_change)::int AS "budgetChanges",
             (SELECT count(*) FROM budget_spend)::int AS "spendRows",
             (SELECT count(DISTINCT period_start) FROM budget_spend)::int AS "periods",
             (SELECT count(*) FROM budget_spend WHERE spent = limit_credits AND spent > 0)::int AS "spendRowsAtLimit",
             (SELECT COALESCE(sum(spent), 0) FROM budget_spend)::int AS "spentCredits",
             (SELECT count(*) FROM job WHERE cardinality(budget_ids) > 0)::int AS "jobsCounted",
             (SELECT count(*) FROM job WHERE cardinality(budget_ids) > 0 AND refunded_amount > 0)::int AS "jobsCountedRefunded"`);
    return result.rows[0]!;
  } finally {
    await client.end();
  }
}
