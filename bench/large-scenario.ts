import superjson from "superjson";

import { type CookieJar, loadCreate } from "./http-load";
import { rebuildRollups, seedLargeHistory } from "./large-seed";
import { accountsWithSessions, type Context, type Row } from "./scenarios";
import { round, summarize, type LatencySummary } from "./stats";

/**
 * `large`: submit latency and every admin read of the dashboard before and
 * after growing the database by 1M jobs and 10M ledger entries (bench/
 * large-seed.ts), with the admin roll-ups rebuilt by the production refresh.
 * Each admin read is a target: p95 ≤ 50 ms (issue 23: `admin.timeseries`
 * ≤ 50 ms at 1M jobs, every other admin read under it).
 */
const adminP95TargetMs = 50;
const submitClients = 4;
const submitWindowMaxS = 10;
const warmupCalls = 2;
const jobsPerUser = 100;
const spreadDays = 30;
const dayMs = 86_400_000;

type AdminQuery = { label: string; procedure: string; input: unknown };

/** One tRPC query over HTTP with a superjson envelope (so Dates survive), as the browser sends it. */
async function query(baseUrl: string, procedure: string, input: unknown, session: CookieJar): Promise<void> {
  const envelope = JSON.stringify(superjson.serialize(input));
  const response = await fetch(`${baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(envelope)}`, {
    headers: { cookie: session.header(), origin: baseUrl },
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${procedure} answered ${response.status}: ${body.slice(0, 300)}`);
}

/** The dashboard's reads: KPIs and charts over each period, users, accounts, the jobs explorer with each filter. */
function adminQueries(userId: string, jobId: string): AdminQuery[] {
  const now = Date.now();
  return [
    { label: "admin.stats 1 h", procedure: "admin.stats", input: { hours: 1 } },
    { label: "admin.stats 24 h", procedure: "admin.stats", input: { hours: 24 } },
    { label: "admin.stats 7 d", procedure: "admin.stats", input: { hours: 24 * 7 } },
    { label: "admin.stats 30 d", procedure: "admin.stats", input: { hours: 24 * 30 } },
    { label: "admin.timeseries 24 h", procedure: "admin.timeseries", input: { hours: 24 } },
    { label: "admin.timeseries 30 d", procedure: "admin.timeseries", input: { hours: 24 * 30 } },
    { label: "admin.users", procedure: "admin.users", input: { limit: 20 } },
    { label: "admin.users search", procedure: "admin.users", input: { query: "big-u-77", limit: 20 } },
    { label: "admin.user", procedure: "admin.user", input: { id: userId } },
    { label: "admin.workspaces", procedure: "admin.workspaces", input: { limit: 20 } },
    { label: "admin.workspaces search", procedure: "admin.workspaces", input: { query: "big-u-77", limit: 20 } },
    { label: "admin.workspace", procedure: "admin.workspace", input: { id: userId } },
    { label: "admin.jobs", procedure: "admin.jobs", input: { limit: 25 } },
    { label: "admin.jobs FAILED", procedure: "admin.jobs", input: { status: "FAILED", limit: 25 } },
    { label: "admin.jobs PENDING", procedure: "admin.jobs", input: { status: "PENDING", limit: 25 } },
    { label: "admin.jobs one user", procedure: "admin.jobs", input: { user: userId, limit: 25 } },
    { label: "admin.jobs email search", procedure: "admin.jobs", input: { user: "big-u-4", limit: 25 } },
    {
      label: "admin.jobs model + 1 day",
      procedure: "admin.jobs",
      input: { modelId: "canvas-v1", from: new Date(now - 8 * dayMs), to: new Date(now - 7 * dayMs), limit: 25 },
    },
    { label: "admin.job", procedure: "admin.job", input: { id: jobId } },
  ];
}

/** Each query `samples` times, round-robin (after a warm-up), sequentially: latency per query. */
async function adminLatency(context: Context, cookie: CookieJar, queries: AdminQuery[]): Promise<Map<string, LatencySummary>> {
  const samples = new Map(queries.map((q) => [q.label, [] as number[]]));
  for (let round = 0; round < warmupCalls + context.options.largeSamples; round++) {
    for (const q of queries) {
      const sent = performance.now();
      await query(context.app.baseUrl, q.procedure, q.input, cookie);
      if (round >= warmupCalls) samples.get(q.label)!.push(performance.now() - sent);
    }
  }
  return new Map([...samples].map(([label, values]) => [label, summarize(values)]));
}

async function submitLatency(context: Context, sessions: CookieJar[]) {
  let counter = 0;
  const sessionFor = () => sessions[counter++ % sessions.length]!;
  const baseUrlFor = () => context.app.baseUrl;
  await loadCreate({ baseUrlFor, clients: submitClients, durationS: 2, sessionFor });
  return loadCreate({ baseUrlFor, clients: submitClients, durationS: Math.min(submitWindowMaxS, context.options.durationS), sessionFor });
}

async function anyJob(context: Context, userId: string): Promise<string> {
  const { rows } = await context.sql.query<{ id: string }>("SELECT id FROM job WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT 1", [userId]);
  if (!rows[0]) throw new Error(`no job for ${userId}`);
  return rows[0].id;
}

/** Submit latency and the admin reads before and after growing the database to 1M jobs / 10M ledger entries. */
export async function largeScenario(context: Context): Promise<Row[]> {
  const { options, sql, log } = context;
  const cookies = await accountsWithSessions(context, "probe", 50);
  const [adminCookie] = await accountsWithSessions(context, "admin", 1);
  await sql.query(`UPDATE "user" SET role = 'ADMIN' WHERE id = 'admin-u-1'`);
  const jobsBefore = Number((await sql.query("SELECT count(*) FROM job")).rows[0].count);
  const small = await submitLatency(context, cookies);
  const smallQueries = adminQueries("probe-u-1", await anyJob(context, "probe-u-1"));
  const adminSmall = await adminLatency(context, adminCookie!, smallQueries);

  log(`large: seeding ${options.largeJobs} jobs with ${options.largeLedgerPerJob} ledger entries each (+ refunds) in SQL …`);
  const seeded = await seedLargeHistory(sql, {
    tag: "big", jobs: options.largeJobs, jobsPerUser, ledgerPerJob: options.largeLedgerPerJob, spreadDays,
  }, log);
  const vacuumStarted = performance.now();
  // Sets the visibility maps (index-only scans) and the statistics, as autovacuum would in a steady state.
  await sql.query(`VACUUM (ANALYZE) job, ledger_entry, job_output, "user", workspace`);
  log(`large: ${seeded.jobs} jobs, ${seeded.ledgerEntries} ledger entries, ${seeded.outputs} outputs in ${round(seeded.seedMs / 1000)} s; VACUUM ANALYZE ${round((performance.now() - vacuumStarted) / 1000)} s`);
  const { rows: sizes } = await sql.query<{ name: string; size: string }>(
    `SELECT relname AS name, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
     WHERE relname IN ('job', 'ledger_entry', 'job_output', 'user') AND relkind = 'r'`,
  );
  log(`large: on disk with indexes: ${sizes.map((row) => `${row.name} ${row.size}`).join(", ")}`);
  const rollups = await rebuildRollups(sql, new Date(Date.now() - (spreadDays + 1) * dayMs), new Date());
  log(`large: roll-ups rebuilt by admin_rollup_refresh: ${rollups.hours} hours in ${rollups.calls} calls, ${round(rollups.ms / 1000, 2)} s`);
  // The bulk load left gigabytes of dirty pages: without a checkpoint here,
  // the server writes them back during the measurements, and every commit's
  // WAL flush waits behind those writes (what a database that grew over
  // months does not do).
  const checkpointStarted = performance.now();
  await sql.query("CHECKPOINT");
  log(`large: checkpoint after the load in ${round((performance.now() - checkpointStarted) / 1000, 1)} s`);

  const large = await submitLatency(context, cookies);
  const probeUser = `big-u-${Math.ceil(seeded.users / 2)}`;
  const largeQueries = adminQueries(probeUser, await anyJob(context, probeUser));
  const adminLarge = await adminLatency(context, adminCookie!, largeQueries);

  const ratio = large.latency.p50 / small.latency.p50;
  const rows: Row[] = [{
    scenario: "large db", metric: "submit p50 large/small", app: round(large.latency.p50), unit: "ms",
    baseline: round(small.latency.p50), ratio: round(ratio, 2), p50: round(large.latency.p50), p95: round(large.latency.p95), p99: round(large.latency.p99),
    conflictRetries: null, errors: large.errors, target: "≤ 1.2× the small database", met: ratio <= 1.2,
    notes: `${submitClients} clients; before: ${jobsBefore} jobs, p50/p95/p99 ${round(small.latency.p50)}/${round(small.latency.p95)}/${round(small.latency.p99)} ms; ` +
      `seeded ${seeded.jobs} jobs, ${seeded.ledgerEntries} ledger entries in ${round(seeded.seedMs / 1000)} s; ` +
      `roll-ups: ${rollups.hours} hours closed by ${rollups.calls} refresh calls in ${round(rollups.ms / 1000, 2)} s`,
  }];
  for (const { label } of largeQueries) {
    const before = adminSmall.get(label)!;
    const after = adminLarge.get(label)!;
    rows.push({
      scenario: "large db", metric: `${label} p95`, app: round(after.p95), unit: "ms",
      baseline: round(before.p95), ratio: round(after.p95 / before.p95, 2), p50: round(after.p50), p95: round(after.p95), p99: round(after.p99),
      conflictRetries: null, errors: {}, target: `p95 ≤ ${adminP95TargetMs} ms`, met: after.p95 <= adminP95TargetMs,
      notes: `${after.count} sequential calls over HTTP; before (small database) p50/p95 ${round(before.p50)}/${round(before.p95)} ms`,
    });
  }
  return rows;
}
