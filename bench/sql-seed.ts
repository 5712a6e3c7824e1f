import type pg from "pg";

/**
 * Bulk seeding in plain SQL, for data sets no API could create in time
 * (1M jobs, 10M ledger entries). The rows are built so that every invariant
 * of SPEC §3 holds (each user's ledger chains and sums to the balance, one
 * CHARGE per job, refunds match): the benchmark checks them afterwards like
 * after any other scenario. Triggers are off for the session
 * (session_replication_role = replica, superuser only) because their per-row
 * checks would make a bulk load take an hour; the invariants are verified
 * afterwards instead.
 */

const jobPrice = 2;
const grantAmount = 2;

export type JobShape = "pending" | "stuck" | "completed";

export type BulkJobsOptions = {
  /** Prefix of the user ids and emails, unique per data set. */
  tag: string;
  users: number;
  jobsPerUser: number;
  /** GRANT entries before each job's CHARGE: ledger entries = jobs × (grantsPerJob + 1). */
  grantsPerJob: number;
  shape: JobShape;
  /** created_at is spread over this many days before now (≥ 1 hour ago). */
  spreadDays: number;
};

/** User ids of a seeded set, in order. */
export function seededUserId(tag: string, index: number): string {
  return `${tag}-u-${index}`;
}

async function asReplica<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    await client.query("SET LOCAL session_replication_role = replica");
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

/**
 * Users with `balance` credits each, explained by one GRANT entry (and the
 * user row's ledger_tail, which the triggers would keep, set to match); the
 * returned ids are `seededUserId(tag, 1..count)`.
 */
export async function seedAccounts(client: pg.Client, tag: string, count: number, balance: number): Promise<string[]> {
  await asReplica(client, async () => {
    await client.query(
      `INSERT INTO "user" (id, name, email, role, created_at, updated_at)
       SELECT $1::text || '-u-' || n, 'Bench ' || n, $1::text || '-' || n || '@bench.test', 'USER', now(), now()
       FROM generate_series(1, $2::int) n`,
      [tag, count],
    );
    // Each user's personal workspace (its id is theirs) holds the wallet.
    await client.query(
      `INSERT INTO workspace (id, kind, name, balance, ledger_tail, created_at)
       SELECT $1::text || '-u-' || n, 'PERSONAL', 'Personal', $3, $3, now()
       FROM generate_series(1, $2::int) n`,
      [tag, count, balance],
    );
    // Triggers are off (replica): the members user_personal_workspace would add (decision 0012).
    await client.query(
      `INSERT INTO workspace_member (workspace_id, user_id, role, created_at)
       SELECT id, id, 'OWNER', created_at FROM workspace WHERE id LIKE $1::text || '-u-%'`,
      [tag],
    );
    await client.query(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, actor_type, actor_id, reason, idempotency_key, created_at)
       SELECT $1::text || '-u-' || n, 'GRANT', $3, 0, $3, 'SYSTEM', 'bench', 'Benchmark credits', 'bench:' || $1::text || ':' || n, now()
       FROM generate_series(1, $2::int) n ORDER BY n`,
      [tag, count, balance],
    );
    await seedGrants(client, tag);
  });
  await analyzeSeeded(client);
  return Array.from({ length: count }, (_, index) => seededUserId(tag, index + 1));
}

/**
 * Statistics for what was just bulk-loaded, as autovacuum would gather them
 * in production: without them PostgreSQL may plan a sequential scan of a
 * table it believes empty, and at SERIALIZABLE a sequential scan locks the
 * whole table for the predicate checks (any write to it is a conflict).
 */
async function analyzeSeeded(client: pg.Client): Promise<void> {
  await client.query(`ANALYZE "user", workspace, workspace_member, credit_grant, credit_draw, ledger_entry, job`);
}

/**
 * One never-expiring paid grant holding each seeded user's whole balance, as
 * the wallet's migration made of every balance (no draws: it starts full).
 */
async function seedGrants(client: pg.Client, tag: string): Promise<void> {
  await client.query(
    `INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at, created_at)
     SELECT id, 'PAID', 50, balance, balance, 'GRANT', 'Benchmark credits', now(), now()
     FROM workspace WHERE id LIKE $1::text || '-u-%' AND balance > 0`,
    [tag],
  );
}

/**
 * An ACCOUNT budget (MONTH, UTC) of `limitCredits` on each seeded user of
 * `tag`, with its CREATE in the budget history, as cw_set_budget writes
 * them, with the current period's spend row (spent 0) that cw_set_budget
 * opens, so the creates measured only update it.
 */
export async function seedBudgets(client: pg.Client, tag: string, limitCredits: number): Promise<void> {
  await client.query(
    `WITH made AS (
       INSERT INTO budget (workspace_id, scope, api_key_id, period, limit_credits, time_zone, created_at, updated_at)
       SELECT id, 'ACCOUNT', NULL, 'MONTH', $2, 'UTC', now(), now() FROM workspace WHERE id LIKE $1::text || '-u-%'
       RETURNING id, workspace_id, period, limit_credits, time_zone)
     INSERT INTO budget_change (budget_id, actor_user_id, action, before, after, created_at)
     SELECT id, workspace_id, 'CREATE', NULL,
       jsonb_build_object('id', id::text, 'period', period, 'limitCredits', limit_credits, 'timeZone', time_zone), now()
     FROM made`,
    [tag, limitCredits],
  );
  await client.query(
    `INSERT INTO budget_spend (budget_id, period_start, limit_credits, spent)
     SELECT id, budget_period_start(period, time_zone, clock_timestamp()), limit_credits, 0
     FROM budget WHERE workspace_id LIKE $1::text || '-u-%' AND removed_at IS NULL`,
    [tag],
  );
  await client.query(`ANALYZE budget`);
  await client.query(`ANALYZE budget_spend`);
}

function jobColumnsFor(shape: JobShape): string {
  switch (shape) {
    case "pending":
      return `'PENDING', 0, 0, NULL::text, NULL::timestamptz, now() + interval '1 hour', NULL::timestamptz, NULL::timestamptz, 0`;
    case "stuck":
      // Half past their deadline (timeout path), half with a dead worker's
      // expired lease and no attempt left (worker-lost path): both refund.
      return `'PROCESSING', 0, 3, 'dead-bench-worker', now() - interval '1 minute',
              CASE WHEN k % 2 = 0 THEN now() - interval '1 second' ELSE now() + interval '1 hour' END,
              now() - interval '5 minutes', NULL::timestamptz, 0`;
    case "completed":
      return `'COMPLETED', 1, 1, NULL::text, NULL::timestamptz, created + interval '2 minutes',
              created + interval '1 second', created + interval '3 seconds', 0`;
  }
}

/**
 * Users with jobs of one shape, each job charged once, with grants in
 * between so the ledger has `grantsPerJob + 1` entries per job. Pending jobs
 * are also enqueued on graphile-worker; completed ones get their output.
 */
export async function seedJobs(client: pg.Client, options: BulkJobsOptions): Promise<{ jobs: number; ledger: number }> {
  const { tag, users, jobsPerUser: jobs, grantsPerJob: grants } = options;
  const group = grants + 1;
  // After entry e (1-based) of a user: grants so far × 2 − charges so far × 2.
  const finalBalance = jobs * grants * grantAmount - jobs * jobPrice;
  await asReplica(client, async () => {
    await client.query(
      `INSERT INTO "user" (id, name, email, role, created_at, updated_at)
       SELECT $1::text || '-u-' || n, 'Bench ' || n, $1::text || '-' || n || '@bench.test', 'USER', now(), now()
       FROM generate_series(1, $2::int) n`,
      [tag, users],
    );
    await client.query(
      `INSERT INTO workspace (id, kind, name, balance, ledger_tail, jobs_active_bound, created_at)
       SELECT $1::text || '-u-' || n, 'PERSONAL', 'Personal', $3, $3,
         CASE WHEN $4 IN ('pending', 'stuck') THEN $5::int ELSE 0 END, now()
       FROM generate_series(1, $2::int) n`,
      [tag, users, finalBalance, options.shape, jobs],
    );
    // Triggers are off (replica): the members user_personal_workspace would add (decision 0012).
    await client.query(
      `INSERT INTO workspace_member (workspace_id, user_id, role, created_at)
       SELECT id, id, 'OWNER', created_at FROM workspace WHERE id LIKE $1::text || '-u-%'`,
      [tag],
    );
    await client.query(
      `INSERT INTO job (id, workspace_id, actor_user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
         status, outputs_done, attempts, lease_owner, lease_expires_at, deadline_at, started_at, finished_at,
         refunded_amount, idempotency_key, request_hash, created_at, updated_at)
       SELECT gen_random_uuid(), $1::text || '-u-' || u, $1::text || '-u-' || u, 'storyteller-v1', 'bench prompt', 1, ${jobPrice}, ${jobPrice},
         ${jobColumnsFor(options.shape)}, $1::text || ':' || u || ':' || k, 'bench', created, created
       FROM generate_series(1, $2::int) u, generate_series(1, $3::int) k,
         LATERAL (SELECT now() - interval '1 hour' - random() * make_interval(days => $4::int) AS created) c`,
      [tag, users, jobs, options.spreadDays],
    );
    await client.query(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id,
         reason, idempotency_key, created_at)
       SELECT $1::text || '-u-' || u,
         CASE WHEN e % $4 = 0 THEN 'CHARGE' ELSE 'GRANT' END::"LedgerKind",
         CASE WHEN e % $4 = 0 THEN -${jobPrice} ELSE ${grantAmount} END,
         ${grantAmount} * (e - 1) - ${grantAmount + jobPrice} * ((e - 1) / $4),
         ${grantAmount} * e - ${grantAmount + jobPrice} * (e / $4),
         j.id, CASE WHEN e % $4 = 0 THEN 'USER' ELSE 'SYSTEM' END::"ActorType", NULL,
         CASE WHEN e % $4 = 0 THEN 'Generation job' ELSE 'Bench grant' END,
         CASE WHEN e % $4 = 0 THEN NULL ELSE 'bench:' || $1::text || ':' || u || ':' || e END,
         now() - interval '1 hour'
       FROM generate_series(1, $2::int) u CROSS JOIN generate_series(1, $3::int * $4) e
       LEFT JOIN job j ON e % $4 = 0 AND j.workspace_id = $1::text || '-u-' || u AND j.idempotency_key = $1::text || ':' || u || ':' || (e / $4)
       ORDER BY u, e`,
      [tag, users, jobs, group],
    );
    if (options.shape === "completed") {
      await client.query(
        `INSERT INTO job_output (id, job_id, index, status, mime_type, content, worker_id, created_at)
         SELECT gen_random_uuid(), id, 0, 'COMPLETED', 'text/plain', 'bench output', 'bench', finished_at
         FROM job WHERE workspace_id LIKE $1::text || '-u-%'`,
        [tag],
      );
    }
    if (options.shape === "pending") {
      await client.query(
        `SELECT graphile_worker.add_job('run-job', json_build_object('jobId', id::text), max_attempts := 5)
         FROM job WHERE workspace_id LIKE $1::text || '-u-%' AND status = 'PENDING'`,
        [tag],
      );
    }
    // One paid grant per user holding everything granted, with a draw for
    // every seeded charge: what the wallet would have recorded, so that the
    // refunds of these jobs go back to it.
    await client.query(
      `INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at, created_at)
       SELECT id, 'PAID', 50, $2::int, balance, 'GRANT', 'Bench grants', now(), now()
       FROM workspace WHERE id LIKE $1::text || '-u-%'`,
      [tag, jobs * grants * grantAmount],
    );
    await client.query(
      `UPDATE job j SET charge_entry_id = e.id FROM ledger_entry e
       WHERE e.job_id = j.id AND e.kind = 'CHARGE' AND j.workspace_id LIKE $1::text || '-u-%'`,
      [tag],
    );
    await client.query(
      `INSERT INTO credit_draw (entry_id, grant_id, amount)
       SELECT e.id, g.id, e.amount FROM ledger_entry e JOIN credit_grant g ON g.workspace_id = e.workspace_id
       WHERE e.workspace_id LIKE $1::text || '-u-%' AND e.kind = 'CHARGE'`,
      [tag],
    );
  });
  await analyzeSeeded(client);
  return { jobs: users * jobs, ledger: users * jobs * group };
}
