/**
 * Bulk data for measuring the admin queries at scale:
 *
 *   npm run seed:large -- --jobs 1000000 --users 20000 [--measure]
 *   tsx scripts/seed-large.ts --jobs 1000000 --users 20000 --measure
 *
 * Writes into DATABASE_URL, or — when it is unset — into a separate
 * `creditworks_large` database on the embedded server (never the dev
 * database). `seedLarge(databaseUrl, { jobs, users })` is exported for
 * benchmarks. `--measure` then times the admin dashboard queries and the
 * integrity checks and prints a table (see docs/operations.md).
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import pg from "pg";

export type SeedLargeOptions = { jobs: number; users: number; log?: (message: string) => void };
export type SeedLargeResult = { tag: string; users: number; jobs: number; ledgerEntries: number; durationMs: number };

const createdSpreadDays = 30;

/**
 * Inserts `users` users and `jobs` terminal jobs spread over the last 30
 * days, with the ledger that explains them: one GRANT per user covering all
 * of their jobs, one CHARGE per job and one REFUND per failed, cancelled or
 * partly delivered job, chained per user. Triggers are off for the bulk load
 * (`session_replication_role = replica`, one transaction), so the data is
 * built consistent instead: every SPEC §3 integrity check passes on it.
 */
export async function seedLarge(databaseUrl: string, options: SeedLargeOptions): Promise<SeedLargeResult> {
  const log = options.log ?? (() => {});
  const tag = randomBytes(4).toString("hex");
  const startedAt = Date.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL session_replication_role = replica");
    await client.query("SET LOCAL work_mem = '256MB'");
    const step = async (label: string, sql: string, params: unknown[] = []) => {
      const stepStartedAt = Date.now();
      const result = await client.query(sql, params);
      log(`${label}: ${result.rowCount ?? 0} rows in ${Date.now() - stepStartedAt} ms`);
      return result;
    };
    await step("users", `
      INSERT INTO "user" (id, name, email, role, created_at, updated_at)
      SELECT 'bulk-' || $1 || '-' || u, 'Bulk user ' || u, 'bulk-' || $1 || '-' || u || '@bulk.creditworks.test',
        'USER', now() - interval '${createdSpreadDays + 1} days', now()
      FROM generate_series(1, $2::int) u`, [tag, options.users]);
    // Triggers are off (replica): each user's personal workspace (its id is
    // theirs) and membership, as user_personal_workspace would make them.
    await step("workspaces", `
      INSERT INTO workspace (id, kind, name, created_at)
      SELECT id, 'PERSONAL', 'Personal', created_at FROM "user" WHERE id LIKE 'bulk-' || $1 || '-%'`, [tag]);
    await step("members", `
      INSERT INTO workspace_member (workspace_id, user_id, role, created_at)
      SELECT id, id, 'OWNER', created_at FROM "user" WHERE id LIKE 'bulk-' || $1 || '-%'`, [tag]);
    await step("job plan", `
      CREATE TEMP TABLE bulk_job ON COMMIT DROP AS
      SELECT i, gen_random_uuid() AS id, 'bulk-' || $1 || '-' || (1 + i % $3::int) AS workspace_id,
        (ARRAY['storyteller-v1', 'canvas-v1', 'pose-pack-v1'])[1 + i % 3] AS model_id,
        (ARRAY[2, 5, 3])[1 + i % 3] AS price,
        1 + (i / 3) % 4 AS requested,
        CASE WHEN (i::bigint * 37) % 100 < 85 THEN 'COMPLETED' WHEN (i::bigint * 37) % 100 < 96 THEN 'FAILED' ELSE 'CANCELLED' END AS status,
        now() - interval '5 minutes' - (i::float8 / $2::int) * interval '${createdSpreadDays} days' AS created_at,
        make_interval(secs => ((i::bigint * 7919) % 30000 + 400) / 1000.0) AS duration
      FROM generate_series(1, $2::int) i`, [tag, options.jobs, options.users]);
    await step("jobs", `
      INSERT INTO job (id, workspace_id, actor_user_id, model_id, prompt, outputs_requested, price_per_output, total_cost, status,
        outputs_done, outputs_failed, attempts, deadline_at, error_code, error_message, refunded_amount,
        idempotency_key, request_hash, created_at, started_at, heartbeat_at, finished_at, updated_at)
      SELECT id, workspace_id, workspace_id, model_id, 'bulk prompt ' || i, requested, price, price * requested, status::"JobStatus",
        done, CASE WHEN status = 'COMPLETED' THEN requested - done ELSE 0 END, 1,
        created_at + interval '2 minutes',
        CASE status WHEN 'FAILED' THEN 'SANDBOX_FAIL' WHEN 'CANCELLED' THEN 'CANCELLED_BY_USER' END,
        CASE status WHEN 'FAILED' THEN 'Bulk failure.' WHEN 'CANCELLED' THEN 'Bulk cancel.' END,
        (requested - done) * price, 'bulk-' || i, 'bulk', created_at, created_at + interval '50 milliseconds',
        created_at + duration, created_at + duration, created_at + duration
      FROM (
        SELECT *, CASE WHEN status <> 'COMPLETED' THEN 0 WHEN requested > 1 AND i % 10 = 0 THEN requested - 1 ELSE requested END AS done
        FROM bulk_job
      ) planned`);
    const ledger = await step("ledger", `
      WITH moves AS (
        SELECT workspace_id, 0 AS seq, 'GRANT' AS kind, sum(price * requested)::int + 100 AS amount, NULL::uuid AS job_id,
          'Bulk credits' AS reason, 'bulk:' || workspace_id AS idempotency_key, now() - interval '${createdSpreadDays + 1} days' AS created_at
        FROM bulk_job GROUP BY workspace_id
        UNION ALL
        SELECT workspace_id, i * 2, 'CHARGE', -(price * requested), id, 'Job charge', NULL, created_at FROM bulk_job
        UNION ALL
        SELECT j.workspace_id, b.i * 2 + 1, 'REFUND', j.refunded_amount, j.id, 'Bulk refund', NULL, j.finished_at
        FROM bulk_job b JOIN job j ON j.id = b.id WHERE j.refunded_amount > 0
      )
      INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id,
        reason, idempotency_key, created_at)
      SELECT workspace_id, kind::"LedgerKind", amount, (sum(amount) OVER w - amount)::int, (sum(amount) OVER w)::int, job_id,
        'SYSTEM', 'seed-large', reason, idempotency_key, created_at
      FROM moves
      WINDOW w AS (PARTITION BY workspace_id ORDER BY seq ROWS UNBOUNDED PRECEDING)
      ORDER BY workspace_id, seq`);
    await step("balances", `
      UPDATE workspace u SET balance = totals.total, ledger_tail = totals.total
      FROM (SELECT workspace_id, sum(amount)::int AS total FROM ledger_entry WHERE workspace_id LIKE 'bulk-' || $1 || '-%' GROUP BY workspace_id) totals
      WHERE u.id = totals.workspace_id`, [tag]);
    // One grant holds each balance, as the wallet's migration made of every balance.
    await step("grants", `
      INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at, created_at)
      SELECT id, 'PAID', 50, balance, balance, 'GRANT', 'Bulk credits', now(), now()
      FROM workspace WHERE id LIKE 'bulk-' || $1 || '-%' AND balance > 0`, [tag]);
    await client.query("COMMIT");
    // VACUUM sets the visibility map, as autovacuum would in a steady state,
    // so the covering indexes answer the dashboard without heap reads.
    await step("vacuum analyze", "VACUUM ANALYZE");
    // The rows are backdated: reopen the admin roll-ups of their period and
    // let the production refresh close its hours again (docs/operations.md).
    await step("admin roll-ups reset", `SELECT admin_rollup_reset(now() - interval '${createdSpreadDays + 2} days', now())`);
    let hours = 0;
    for (let closed = -1; closed !== 0; ) {
      closed = (await client.query<{ closed: number }>("SELECT admin_rollup_refresh(48) AS closed")).rows[0]!.closed;
      hours += closed;
    }
    log(`admin roll-ups: ${hours} hours closed`);
    return { tag, users: options.users, jobs: options.jobs, ledgerEntries: ledger.rowCount ?? 0, durationMs: Date.now() - startedAt };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

const repeats = 3;

/** Times the admin queries (best of three, warm) on the database in `databaseUrl`. */
export async function measureAdminQueries(databaseUrl: string): Promise<{ query: string; ms: number }[]> {
  process.env.DATABASE_URL = databaseUrl;
  // db.ts validates the whole environment at import; a measurement needs no real secret.
  process.env.BETTER_AUTH_SECRET ??= "measurement-only-measurement-only-0000";
  const { createDb } = await import("../src/server/db");
  const { getAdminStats, getAdminTimeseries } = await import("../src/server/admin/stats");
  const { listAdminJobs } = await import("../src/server/admin/jobs");
  const { collectMetrics } = await import("../src/server/admin/prometheus");
  const { runIntegrityChecks } = await import("../src/server/integrity");
  const client = createDb(databaseUrl, 4);
  const ago = (hours: number) => new Date(Date.now() - hours * 3_600_000);
  const anyUser = await client.user.findFirst({ where: { id: { startsWith: "bulk-" } }, select: { id: true } });
  const cases: [string, () => Promise<unknown>][] = [
    ["stats 24 h", () => getAdminStats(client, ago(24))],
    ["stats 7 d", () => getAdminStats(client, ago(24 * 7))],
    ["stats 30 d", () => getAdminStats(client, ago(24 * 30))],
    ["timeseries 24 h (hourly)", () => getAdminTimeseries(client, ago(24))],
    ["timeseries 30 d (daily)", () => getAdminTimeseries(client, ago(24 * 30))],
    ["jobs page, no filter", () => listAdminJobs(client, { limit: 25 })],
    ["jobs page, status FAILED", () => listAdminJobs(client, { status: "FAILED", limit: 25 })],
    ["jobs page, model + 1 day window", () => listAdminJobs(client, { modelId: "canvas-v1", from: ago(48), to: ago(24), limit: 25 })],
    ["jobs page, one user", () => listAdminJobs(client, { user: anyUser?.id ?? "none", limit: 25 })],
    ["metrics scrape", () => collectMetrics(client)],
    ["integrity, one job", async () => {
      const job = await client.job.findFirst({ select: { id: true } });
      return runIntegrityChecks(client, { jobId: job?.id ?? null });
    }],
    ["integrity, whole database", () => runIntegrityChecks(client)],
  ];
  const results: { query: string; ms: number }[] = [];
  for (const [query, run] of cases) {
    let best = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < repeats; attempt++) {
      const startedAt = performance.now();
      await run();
      best = Math.min(best, performance.now() - startedAt);
    }
    results.push({ query, ms: Math.round(best) });
  }
  const report = await runIntegrityChecks(client);
  const broken = report.checks.filter((check) => check.violationCount > 0).map((check) => check.id);
  console.log(`[seed-large] integrity: ${report.ok ? "OK" : `VIOLATIONS in ${broken.join(", ")}`}`);
  for (const check of report.checks) console.log(`[seed-large]   ${check.id}: ${check.durationMs} ms`);
  await client.$disconnect();
  return results;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "100000" },
      users: { type: "string", default: "5000" },
      measure: { type: "boolean", default: false },
      "measure-only": { type: "boolean", default: false },
    },
  });
  const log = (message: string) => console.log(`[seed-large] ${message}`);
  const { resolveLocalEnvironment } = await import("./lib/local-env");
  const { ensureDatabase } = await import("./lib/embedded-postgres");
  const { prepareDatabase } = await import("./lib/prepare-database");
  let embedded = null;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await resolveLocalEnvironment(log);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = "/creditworks_large";
    await ensureDatabase(new URL("/postgres", url).toString(), "creditworks_large");
    databaseUrl = url.toString();
  }
  try {
    await prepareDatabase(databaseUrl, log);
    if (!values["measure-only"]) {
      const result = await seedLarge(databaseUrl, { jobs: Number(values.jobs), users: Number(values.users), log });
      log(`seeded ${result.jobs} jobs, ${result.users} users, ${result.ledgerEntries} ledger entries in ${result.durationMs} ms (tag ${result.tag})`);
    }
    if (values["measure-only"]) {
      // Freshly migrated indexes need the visibility map for index-only scans.
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query("VACUUM ANALYZE");
      await client.end();
    }
    if (values.measure || values["measure-only"]) {
      const timings = await measureAdminQueries(databaseUrl);
      console.log("\n| query | best of 3 (ms) |\n|---|---:|");
      for (const { query, ms } of timings) console.log(`| ${query} | ${ms} |`);
    }
    return 0;
  } finally {
    await embedded?.stop().catch(() => {});
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
