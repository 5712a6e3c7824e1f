import type pg from "pg";

/**
 * The `large` scenario's data set, bulk-loaded in SQL (1M jobs and 10M
 * ledger entries in a few minutes): users whose jobs are spread over the
 * last 30 days like real traffic — every terminal status, partial
 * deliveries, durations from 0.4 s to 30 s, refunds — each job preceded by
 * `ledgerPerJob − 1` credit entries (grants, purchases, adjustments) and
 * charged once. Rows are built consistent (triggers off for the load, as in
 * sql-seed.ts: their per-row checks would take an hour): every SPEC §3
 * invariant holds and the bench checks them afterwards. Then, because the
 * rows are backdated, the admin roll-ups of their period are reset and
 * rebuilt by the production refresh function, as docs/operations.md tells
 * anyone who bulk-loads history to do.
 */
export type LargeSeedOptions = {
  /** Prefix of the user ids (`<tag>-u-<n>`), unique per data set. */
  tag: string;
  jobs: number;
  jobsPerUser: number;
  /** Ledger entries per job, its CHARGE included (≥ 2); REFUNDs come on top. */
  ledgerPerJob: number;
  spreadDays: number;
};

export type LargeSeedResult = { users: number; jobs: number; ledgerEntries: number; outputs: number; seedMs: number };

/** The highest job cost (4 outputs × 5 credits): each job's credit entries cover it. */
const jobCostMax = 20;

async function timed<T>(log: (message: string) => void, label: string, work: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  const result = await work();
  log(`large seed: ${label} in ${Math.round(performance.now() - startedAt)} ms`);
  return result;
}

/** Inserts the data set in one transaction with triggers off; returns what it wrote. */
export async function seedLargeHistory(client: pg.Client, options: LargeSeedOptions, log: (message: string) => void): Promise<LargeSeedResult> {
  if (options.ledgerPerJob < 2) throw new Error("--large-ledger-per-job must be at least 2 (credits, then the charge)");
  const startedAt = performance.now();
  const users = Math.ceil(options.jobs / options.jobsPerUser);
  const incoming = options.ledgerPerJob - 1;
  // Each credit entry's amount, so that a job's entries always cover its charge.
  const credit = Math.ceil(jobCostMax / incoming) + 1;
  await client.query("BEGIN");
  try {
    await client.query("SET LOCAL session_replication_role = replica");
    await client.query("SET LOCAL work_mem = '256MB'");
    await timed(log, "job plan", () => client.query(
      `CREATE TEMP TABLE large_plan ON COMMIT DROP AS
       SELECT u, k, id, workspace_id, created, status, requested, price, requested * price AS cost, done,
         CASE WHEN status = 'COMPLETED' THEN (requested - done) * price ELSE requested * price END AS refund,
         created + make_interval(secs => duration_ms / 1000.0) AS finished
       FROM (
         SELECT *, CASE WHEN status <> 'COMPLETED' THEN 0 WHEN requested > 1 AND h % 10 = 0 THEN requested - 1 ELSE requested END AS done
         FROM (
           SELECT *,
             CASE WHEN h < 85 THEN 'COMPLETED' WHEN h < 96 THEN 'FAILED' ELSE 'CANCELLED' END AS status,
             CASE WHEN h2 < 12 THEN 1 WHEN h2 < 17 THEN 2 WHEN h2 < 19 THEN 3 ELSE 4 END AS requested,
             (ARRAY[2, 5, 3])[1 + k % 3] AS price
           FROM (
             -- random() in the target list: drawn again for every row.
             SELECT u, k, gen_random_uuid() AS id, $1::text || '-u-' || u AS workspace_id,
               now() - interval '65 minutes' - make_interval(days => $4::int) * (($3::int - k + random()) / $3::int) AS created,
               floor(random() * 100)::int AS h, floor(random() * 20)::int AS h2, 400 + floor(random() * 29600) AS duration_ms
             FROM generate_series(1, $2::int) u, generate_series(1, $3::int) k
           ) drawn
         ) shaped
       ) planned`,
      [options.tag, users, options.jobsPerUser, options.spreadDays],
    ));
    // What a user holds before each job's entries: the credits and charges
    // (net of refunds) of their earlier jobs. Closed form for every entry below.
    await timed(log, "balances before each job", () => client.query(
      `CREATE TEMP TABLE large_job ON COMMIT DROP AS
       SELECT *, COALESCE(sum(${credit * incoming} - cost + refund)
         OVER (PARTITION BY u ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS held
       FROM large_plan`,
    ));
    await timed(log, "users", () => client.query(
      `INSERT INTO "user" (id, name, email, role, created_at, updated_at)
       SELECT workspace_id, 'Large ' || u, workspace_id || '@bench.test', 'USER', now() - make_interval(days => $1::int + 1), now()
       FROM large_job GROUP BY u, workspace_id`,
      [options.spreadDays],
    ));
    // Triggers are off: each user's personal workspace (its id is theirs) holds the wallet, with its owner.
    await timed(log, "workspaces", () => client.query(
      `INSERT INTO workspace (id, kind, name, balance, ledger_tail, created_at)
       SELECT workspace_id, 'PERSONAL', 'Personal',
         sum(${credit * incoming} - cost + refund), sum(${credit * incoming} - cost + refund),
         now() - make_interval(days => $1::int + 1)
       FROM large_job GROUP BY u, workspace_id`,
      [options.spreadDays],
    ));
    await timed(log, "members", () => client.query(
      `INSERT INTO workspace_member (workspace_id, user_id, role, created_at)
       SELECT id, id, 'OWNER', created_at FROM workspace WHERE id IN (SELECT DISTINCT workspace_id FROM large_job)`,
    ));
    const jobs = await timed(log, "jobs", () => client.query(
      `INSERT INTO job (id, workspace_id, actor_user_id, model_id, prompt, outputs_requested, price_per_output, total_cost, status,
         outputs_done, outputs_failed, attempts, deadline_at, error_code, error_message, refunded_amount,
         idempotency_key, request_hash, created_at, started_at, heartbeat_at, finished_at, updated_at)
       SELECT id, workspace_id, workspace_id, (ARRAY['canvas-v1', 'pose-pack-v1', 'storyteller-v1'])[1 + k % 3], 'bench prompt', requested, price, cost,
         status::"JobStatus", done, CASE WHEN status = 'COMPLETED' THEN requested - done ELSE 0 END, 1,
         created + interval '2 minutes',
         CASE status WHEN 'FAILED' THEN 'SANDBOX_FAIL' WHEN 'CANCELLED' THEN 'CANCELLED_BY_USER' END,
         CASE status WHEN 'FAILED' THEN 'Bench failure.' WHEN 'CANCELLED' THEN 'Bench cancel.' END,
         refund, 'large:' || u || ':' || k, 'bench', created, created + interval '50 milliseconds', finished, finished, finished
       FROM large_job`,
    ));
    const ledger = await timed(log, "ledger", () => client.query(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id,
         reason, idempotency_key, created_at)
       SELECT j.workspace_id, e.kind::"LedgerKind", e.amount, e.before, e.before + e.amount, e.job_id,
         CASE WHEN e.kind IN ('CHARGE', 'REFUND') THEN 'USER' ELSE 'SYSTEM' END::"ActorType", NULL, e.reason,
         CASE WHEN e.kind IN ('CHARGE', 'REFUND') THEN NULL ELSE 'large:' || j.u || ':' || j.k || ':' || e.n END, e.at
       FROM large_job j
       CROSS JOIN LATERAL (
         SELECT n,
           CASE WHEN n <= $1 THEN CASE WHEN (j.k + n) % 13 = 0 THEN 'PURCHASE' WHEN (j.k + n) % 17 = 0 THEN 'ADJUSTMENT' ELSE 'GRANT' END
             WHEN n = $1 + 1 THEN 'CHARGE' ELSE 'REFUND' END AS kind,
           CASE WHEN n <= $1 THEN ${credit} WHEN n = $1 + 1 THEN -j.cost ELSE j.refund END AS amount,
           CASE WHEN n <= $1 THEN j.held + (n - 1) * ${credit} WHEN n = $1 + 1 THEN j.held + $1 * ${credit}
             ELSE j.held + $1 * ${credit} - j.cost END AS before,
           CASE WHEN n <= $1 THEN NULL ELSE j.id END AS job_id,
           CASE WHEN n <= $1 THEN 'Bench credits' WHEN n = $1 + 1 THEN 'Generation job' ELSE 'Bench refund' END AS reason,
           CASE WHEN n <= $1 THEN j.created - make_interval(secs => $1 + 1 - n) WHEN n = $1 + 1 THEN j.created ELSE j.finished END AS at
         FROM generate_series(1, $1 + CASE WHEN j.refund > 0 THEN 2 ELSE 1 END) n
       ) e
       ORDER BY j.u, j.k, e.n`,
      [incoming],
    ));
    const outputs = await timed(log, "outputs", () => client.query(
      `INSERT INTO job_output (id, job_id, index, status, mime_type, content, worker_id, created_at)
       SELECT gen_random_uuid(), j.id, i, 'COMPLETED', 'text/plain', 'bench output', 'bench', j.finished
       FROM large_job j, generate_series(0, j.done - 1) i WHERE j.done > 0`,
    ));
    await timed(log, "grants", () => client.query(
      `INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at, created_at)
       SELECT id, 'PAID', 50, balance, balance, 'GRANT', 'Bench credits', now(), now()
       FROM workspace WHERE id IN (SELECT DISTINCT workspace_id FROM large_job) AND balance > 0`,
    ));
    await client.query("COMMIT");
    return {
      users, jobs: jobs.rowCount ?? 0, ledgerEntries: ledger.rowCount ?? 0, outputs: outputs.rowCount ?? 0,
      seedMs: performance.now() - startedAt,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * What production does after a bulk load of history: reopen the roll-ups of
 * the period (`admin_rollup_reset`) and let the refresh function close its
 * hours again, in its bounded batches, until nothing is left. Returns the
 * hours closed and the calls made.
 */
export async function rebuildRollups(client: pg.Client, from: Date, to: Date): Promise<{ hours: number; calls: number; ms: number }> {
  const startedAt = performance.now();
  await client.query("SELECT admin_rollup_reset($1, $2)", [from, to]);
  let hours = 0;
  let calls = 0;
  for (;;) {
    const { rows } = await client.query<{ closed: number }>("SELECT admin_rollup_refresh(48) AS closed");
    calls++;
    if (rows[0]!.closed === 0) break;
    hours += rows[0]!.closed;
  }
  return { hours, calls, ms: performance.now() - startedAt };
}
