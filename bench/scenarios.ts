import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import path from "node:path";

import type pg from "pg";

import { runBaseline, type BaselineResult } from "./baseline";
import { cpuBetween, meterBackendCpu, sampleCpu, statementsExecuted } from "./cpu";
import { seedApiKeys } from "./api-keys";
import { callTrpc, CookieJar, loadCreate, loadRestCreate, metricValue, type LoadResult } from "./http-load";
import type { BenchOptions } from "./options";
import { benchSecrets, type AppProcess } from "./server";
import { createSessionCookies } from "./sessions";
import { seedAccounts, seedBudgets, seedJobs } from "./sql-seed";
import { round, summarize } from "./stats";

/** One line of the results table. */
export type Row = {
  scenario: string;
  metric: string;
  app: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  conflictRetries: number | null;
  errors: Record<string, number>;
  target: string;
  met: boolean;
  notes: string;
  /** Create scenarios: CPU of the web process(es) per successful request, from /proc. */
  nodeCpuMsPerRequest?: number | null;
  /** Create scenarios: CPU of PostgreSQL's client backends per request, during the app's window. */
  postgresCpuMsPerRequest?: number | null;
  /** The same during the raw-SQL baseline's window, per transaction. */
  rawPostgresCpuMsPerRequest?: number | null;
  /** Both again for every PostgreSQL process (WAL writer, checkpointer, autovacuum included). */
  postgresServerCpuMsPerRequest?: number | null;
  rawPostgresServerCpuMsPerRequest?: number | null;
  /** Top-level statements per request (pg_stat_statements), and per raw transaction. */
  statementsPerRequest?: number | null;
  rawStatementsPerRequest?: number | null;
  /** Median latency with a single client. */
  p50OneClientMs?: number | null;
  /** Serialization retries inside the server per 1,000 commits. */
  retriesPer1000Commits?: number | null;
  /** Worker: PostgreSQL client backends' CPU per job end to end (create + claim + outputs + finish). */
  postgresCpuMsPerJob?: number | null;
  /** The worker process's own CPU (Node) per job completed, in the worker scenario. */
  workerNodeMsPerJob?: number | null;
};

export type Context = {
  options: BenchOptions;
  databaseUrl: string;
  sql: pg.Client;
  /** The first web process; `apps` are all of them (--web-processes). */
  app: AppProcess;
  apps: AppProcess[];
  postmasterPid: number;
  appEnv: NodeJS.ProcessEnv;
  workDir: string;
  log: (message: string) => void;
};

const warmupS = 3;
// Enough for every request of a run, and small enough that sums over all
// users stay inside the int4 the admin statistics compute in.
const userBalance = 1_000_000;

/**
 * `count` seeded users with signed-in sessions, kept like a browser's
 * cookies, each already seen once by every web process: a signed-in user's
 * first request looks the session up in the database, later ones find it in
 * the process's session cache (5 minutes), and a window of a few requests
 * per account should measure the requests of users who are using the app,
 * not 1,000 first requests.
 */
export async function accountsWithSessions(context: Context, tag: string, count: number): Promise<CookieJar[]> {
  const ids = await seedAccounts(context.sql, tag, count, userBalance);
  const cookies = await createSessionCookies(context.sql, ids, benchSecrets.BETTER_AUTH_SECRET);
  const jars = ids.map((id) => new CookieJar(cookies.get(id)!));
  const probe = await callTrpc(context.app.baseUrl, "credits.summary", undefined, jars[0]!, "query");
  if (!probe.ok) throw new Error(`a seeded session is refused (${probe.appCode}): the cookie format changed?`);
  const visits = context.apps.flatMap((app) => jars.map((jar) => () => callTrpc(app.baseUrl, "credits.summary", undefined, jar, "query")));
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < visits.length) await visits[next++]!();
  }));
  return jars;
}

type Measured = {
  load: LoadResult;
  retries: number;
  nodeCpuMs: number;
  /** The server's client backends (the figure of the target), and the whole server (with its own processes). */
  postgresCpuMs: number;
  postgresServerCpuMs: number;
  statements: number;
  oneClient: LoadResult;
};

/** Runs a create load with `clients` clients for `durationS` seconds, each request to `baseUrlFor(client)`. */
type CreateLoad = (options: { baseUrlFor: (client: number) => string; clients: number; durationS: number }) => Promise<LoadResult>;

/** jobs.create over tRPC, with the sessions `spread` picks. */
function trpcLoad(sessions: CookieJar[], spread: (client: number, n: number) => number): CreateLoad {
  return (options) => loadCreate({ ...options, sessionFor: (client, n) => sessions[spread(client, n) % sessions.length]! });
}

/** A warm-up, then the measured window (CPU of the web processes and of PostgreSQL, statements), then one client alone. */
async function measureCreate(context: Context, loadWith: CreateLoad): Promise<Measured> {
  const { apps, options } = context;
  const baseUrlFor = (client: number) => apps[client % apps.length]!.baseUrl;
  await loadWith({ baseUrlFor, clients: options.clients, durationS: warmupS });
  const retriesBefore = await sumMetric(context, "creditworks_conflict_retries_total");
  const statementsBefore = await statementsExecuted(context.sql);
  const nodeBefore = sampleCpu(apps.map((app) => app.pid));
  const [backends, serverBefore] = [meterBackendCpu(context.postmasterPid), sampleCpu([context.postmasterPid])];
  const load = await loadWith({ baseUrlFor, clients: options.clients, durationS: options.durationS });
  const nodeCpuMs = cpuBetween(nodeBefore, sampleCpu(apps.map((app) => app.pid)));
  const postgresCpuMs = backends.stop();
  const postgresServerCpuMs = cpuBetween(serverBefore, sampleCpu([context.postmasterPid]));
  const statements = (await statementsExecuted(context.sql)) - statementsBefore;
  const retries = (await sumMetric(context, "creditworks_conflict_retries_total")) - retriesBefore;
  const oneClient = await loadWith({ baseUrlFor, clients: 1, durationS: options.oneClientS });
  return { load, retries, nodeCpuMs, postgresCpuMs, postgresServerCpuMs, statements, oneClient };
}

async function sumMetric(context: Context, name: string): Promise<number> {
  const values = await Promise.all(context.apps.map((app) => metricValue(app.baseUrl, benchSecrets.METRICS_TOKEN, name)));
  return values.reduce((total, value) => total + value, 0);
}

type RawMeasured = { raw: BaselineResult; postgresCpuMs: number; postgresServerCpuMs: number; statements: number };

/**
 * The raw baseline runs on accounts of its own, seeded like the app's. The
 * hand-written SQL keeps no active-job bound (it counts the job rows
 * instead), so its accounts get the largest bound: the app's invariant
 * (bound ≥ active jobs) holds for them without changing what the SQL does.
 */
async function measureRaw(context: Context, tag: string, accounts: number): Promise<RawMeasured> {
  const { options } = context;
  await seedAccounts(context.sql, tag, accounts, userBalance);
  await context.sql.query(`UPDATE workspace SET jobs_active_bound = 2147483647 WHERE id LIKE $1 || '-u-%'`, [tag]);
  const statementsBefore = await statementsExecuted(context.sql);
  const [backends, serverBefore] = [meterBackendCpu(context.postmasterPid), sampleCpu([context.postmasterPid])];
  const raw = await runBaseline({ databaseUrl: context.databaseUrl, tag, accounts, clients: options.clients, durationS: options.durationS, workDir: context.workDir });
  const postgresCpuMs = backends.stop();
  const postgresServerCpuMs = cpuBetween(serverBefore, sampleCpu([context.postmasterPid]));
  const statements = (await statementsExecuted(context.sql)) - statementsBefore;
  return { raw, postgresCpuMs, postgresServerCpuMs, statements };
}

function loadRow(
  scenario: string, measured: Measured, raw: RawMeasured, target: string, met: (row: Row) => boolean, notes: string, metric = "jobs.create/s",
): Row {
  const { load } = measured;
  const perRequest = (value: number) => (load.ok > 0 ? round(value / load.ok, 2) : null);
  const perRawTransaction = (value: number) => (raw.raw.transactions > 0 ? round(value / raw.raw.transactions, 2) : null);
  const row: Row = {
    scenario, metric, app: round(load.throughput), unit: "req/s",
    baseline: round(raw.raw.tps), ratio: round(load.throughput / raw.raw.tps, 2),
    p50: round(load.latency.p50), p95: round(load.latency.p95), p99: round(load.latency.p99),
    conflictRetries: measured.retries, errors: load.errors, target, met: false,
    notes: `${notes}; raw (${raw.raw.tool}) p50/p95/p99 ${round(raw.raw.latency.p50)}/${round(raw.raw.latency.p95)}/${round(raw.raw.latency.p99)} ms, ${raw.raw.errors} failed; ` +
      `5xx at clients: ${load.serverErrors}; raw statements/tx ${round(raw.statements / Math.max(1, raw.raw.transactions), 1)}; ` +
      `whole server (backends + WAL writer, checkpointer, autovacuum) ${perRequest(measured.postgresServerCpuMs)} ms/req, raw ${perRawTransaction(raw.postgresServerCpuMs)} ms/tx`,
    nodeCpuMsPerRequest: perRequest(measured.nodeCpuMs),
    postgresCpuMsPerRequest: perRequest(measured.postgresCpuMs),
    rawPostgresCpuMsPerRequest: perRawTransaction(raw.postgresCpuMs),
    postgresServerCpuMsPerRequest: perRequest(measured.postgresServerCpuMs),
    rawPostgresServerCpuMsPerRequest: perRawTransaction(raw.postgresServerCpuMs),
    statementsPerRequest: perRequest(measured.statements),
    rawStatementsPerRequest: perRawTransaction(raw.statements),
    p50OneClientMs: round(measured.oneClient.latency.p50, 2),
    retriesPer1000Commits: load.ok > 0 ? round((measured.retries / load.ok) * 1000, 2) : null,
  };
  row.met = met(row);
  return row;
}

/** Zero CONFLICT_RETRY and zero 5xx reached a client. */
const clean = (row: Row) => (row.errors.CONFLICT_RETRY ?? 0) === 0 && !Object.keys(row.errors).some((code) => code.startsWith("HTTP_5") || code === "INTERNAL");

/** Issue 23, target 4: one client's create p50, and the Node CPU of a create (per web process). */
const oneClientP50MsMax = 4;
const nodeCpuMsPerCreateMax = 3;

/** 1,000 accounts, 32 clients: jobs.create over HTTP against the raw-SQL limit. */
export async function accountsScenario(context: Context): Promise<Row[]> {
  const { options } = context;
  const sessions = await accountsWithSessions(context, "acct", options.accounts);
  context.log(`accounts: ${options.accounts} users seeded with sessions; raw SQL baseline …`);
  const raw = await measureRaw(context, "rawacct", options.accounts);
  context.log(`accounts: raw ${round(raw.raw.tps)} tx/s; HTTP load on ${context.apps.length} web process(es) …`);
  let counter = 0;
  const measured = await measureCreate(context, trpcLoad(sessions, () => counter++ * 7919));
  const target = `≥ 0.35× raw; pg ≤ 1.2× raw; node ≤ ${nodeCpuMsPerCreateMax} ms; 1-client p50 ≤ ${oneClientP50MsMax} ms; no CONFLICT_RETRY or 5xx`;
  return [loadRow("accounts", measured, raw, target, (row) =>
    (row.ratio ?? 0) >= 0.35 && (row.postgresCpuMsPerRequest ?? Infinity) <= 1.2 * (row.rawPostgresCpuMsPerRequest ?? 0) &&
    (row.nodeCpuMsPerRequest ?? Infinity) <= nodeCpuMsPerCreateMax * context.apps.length &&
    (row.p50OneClientMs ?? Infinity) <= oneClientP50MsMax && clean(row),
  `${options.accounts} accounts, ${options.clients} clients, ${context.apps.length} web process(es)`)];
}

/** Create windows of each kind in `accounts-budgets`, alternating (the order flips every pair). */
const budgetPairs = 2;
/** Far above what a run spends (each account holds `userBalance`): no create is refused, each is checked and counted. */
const budgetLimitCredits = 100_000_000;
const budgetCostRatioMax = 1.1;

/**
 * The `accounts` scenario with and without budgets, in the same run: two
 * sets of accounts seeded alike, one with an ACCOUNT budget (MONTH) on every
 * account, measured in alternating windows, so that both see the same
 * machine, after one unmeasured window over each. The summary row is the
 * median over the pairs of PostgreSQL's CPU per create with a budget over
 * that without (the target: the budget check and count cost at
 * most 10 % of a create's database time).
 */
export async function accountsBudgetsScenario(context: Context): Promise<Row[]> {
  const { options } = context;
  const plain = await accountsWithSessions(context, "nbud", options.accounts);
  const budgeted = await accountsWithSessions(context, "bud", options.accounts);
  await seedBudgets(context.sql, "bud", budgetLimitCredits);
  context.log(`accounts-budgets: ${options.accounts} accounts without and ${options.accounts} with a budget; raw SQL baseline …`);
  const raw = await measureRaw(context, "rawbud", options.accounts);
  // Unmeasured: one window over each set, so that the pairs compare steady
  // states (the first windows of a fresh database pay for its empty tables,
  // and each budget's first charge of the month inserts its spend row).
  const baseUrlFor = (client: number) => context.apps[client % context.apps.length]!.baseUrl;
  for (const sessions of [plain, budgeted]) {
    let counter = 0;
    await trpcLoad(sessions, () => counter++ * 7919)({ baseUrlFor, clients: options.clients, durationS: options.durationS });
  }
  const rows: Row[] = [];
  const ratios: number[] = [];
  const target = `pg ms/req with budgets ≤ ${budgetCostRatioMax}× without (median of ${budgetPairs} pairs)`;
  for (let pair = 1; pair <= budgetPairs; pair++) {
    let counter = 0;
    const window = async (budgets: boolean) => {
      const measured = await measureCreate(context, trpcLoad(budgets ? budgeted : plain, () => counter++ * 7919));
      const row = loadRow(budgets ? `accounts-budgets ${pair}` : `accounts, no budget ${pair}`, measured, raw, target, clean,
        `${options.accounts} accounts${budgets ? " with an ACCOUNT budget each" : ""}, ${options.clients} clients; pair ${pair}, load ${loadavg()[0]!.toFixed(2)}`);
      context.log(`accounts-budgets: ${row.scenario}: ${row.app} req/s, pg ${row.postgresCpuMsPerRequest} ms/req`);
      return row;
    };
    let without: Row;
    let withBudgets: Row;
    if (pair % 2 === 1) {
      without = await window(false);
      withBudgets = await window(true);
    } else {
      withBudgets = await window(true);
      without = await window(false);
    }
    rows.push(without, withBudgets);
    ratios.push(round((withBudgets.postgresCpuMsPerRequest ?? NaN) / (without.postgresCpuMsPerRequest ?? NaN), 3));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : round((sorted[middle - 1]! + sorted[middle]!) / 2, 3);
  rows.push({
    scenario: "accounts-budgets", metric: "pg ms/create with / without budgets", app: median, unit: "×",
    baseline: null, ratio: null, p50: null, p95: null, p99: null, conflictRetries: null, errors: {},
    target: `≤ ${budgetCostRatioMax}×`, met: median <= budgetCostRatioMax,
    notes: `PostgreSQL client backends' CPU per jobs.create, each pair's ratio: ${ratios.join(", ")}`,
  });
  return rows;
}

/**
 * The `accounts` scenario through the developer API: `POST /api/v1/jobs`
 * with an API key per account (inserted in SQL, hash only) and a fresh
 * Idempotency-Key per request, so each request also stores its response in
 * the job's transaction. The same raw-SQL baseline, so its ratio sits
 * beside the tRPC one.
 */
export async function restScenario(context: Context): Promise<Row[]> {
  const { options } = context;
  const ids = await seedAccounts(context.sql, "rest", options.accounts, userBalance);
  const secrets = await seedApiKeys(context.sql, ids);
  const keys = ids.map((id) => secrets.get(id)!);
  const probe = await fetch(`${context.app.baseUrl}/api/v1/balance`, { headers: { authorization: `Bearer ${keys[0]}` } });
  if (probe.status !== 200) throw new Error(`a seeded API key is refused (HTTP ${probe.status}): the key format changed?`);
  context.log(`rest: ${options.accounts} users seeded with API keys; raw SQL baseline …`);
  const raw = await measureRaw(context, "rawrest", options.accounts);
  context.log(`rest: raw ${round(raw.raw.tps)} tx/s; HTTP load on ${context.apps.length} web process(es) …`);
  let counter = 0;
  const restLoad: CreateLoad = (load) => loadRestCreate({ ...load, keyFor: () => keys[(counter++ * 7919) % keys.length]! });
  const measured = await measureCreate(context, restLoad);
  const target = "≥ 0.35× raw (as accounts); no CONFLICT_RETRY or 5xx";
  return [loadRow("rest", measured, raw, target, (row) => (row.ratio ?? 0) >= 0.35 && clean(row),
    `${options.accounts} accounts, one API key each, ${options.clients} clients, ${context.apps.length} web process(es)`, "POST /api/v1/jobs/s")];
}

/** Every client on one account: writers of one account queue in the process; no conflict may reach a client. */
export async function hotScenario(context: Context): Promise<Row[]> {
  const { options } = context;
  const sessions = await accountsWithSessions(context, "hot", 1);
  context.log("hot: raw SQL baseline on one account …");
  const raw = await measureRaw(context, "rawhot", 1);
  context.log(`hot: raw ${round(raw.raw.tps)} tx/s; HTTP load …`);
  const measured = await measureCreate(context, trpcLoad(sessions, () => 0));
  return [loadRow("hot account", measured, raw, "≥ 0.5× raw, no CONFLICT_RETRY or 5xx at a client", (row) => (row.ratio ?? 0) >= 0.5 && clean(row),
    `1 account, ${options.clients} clients, ${context.apps.length} web process(es)`)];
}

/** Issue 23's targets for one worker process at zero provider latency. */
const workerJobsPerSecondMin = 2_000;
const postgresCpuMsPerJobMax = 2.5;
/** How long the worker scenario's creates run (through tRPC, as users submit), for their PostgreSQL CPU. */
const workerCreateWindowS = 5;

/**
 * One worker process draining a backlog with the zero-latency sandbox:
 * completed jobs per second, and what one job of one output costs
 * PostgreSQL end to end — the client backends' CPU per `jobs.create` (over
 * a window of creates through tRPC, whose jobs join the backlog) plus their
 * CPU per job completed over the worker's window (graphile-worker's fetch
 * and completion, claim, output, settlement).
 */
export async function workerScenario(context: Context): Promise<Row[]> {
  const { options, sql } = context;
  const sessions = await accountsWithSessions(context, "wcreate", Math.min(options.accounts, 1_000));
  context.log(`worker: creates through tRPC for ${workerCreateWindowS} s …`);
  let counter = 0;
  const baseUrlFor = (client: number) => context.apps[client % context.apps.length]!.baseUrl;
  const createLoad = trpcLoad(sessions, () => counter++ * 7919);
  await createLoad({ baseUrlFor, clients: options.clients, durationS: warmupS });
  const createBackends = meterBackendCpu(context.postmasterPid);
  const creates = await createLoad({ baseUrlFor, clients: options.clients, durationS: workerCreateWindowS });
  const createMsPerJob = createBackends.stop() / Math.max(1, creates.ok);
  // Enough for twice the target rate over the whole run (a backlog that
  // drains inside the window would cap the rate it measures).
  const backlogMin = 2 * workerJobsPerSecondMin * (warmupS + options.durationS + 5);
  const pending = Number((await sql.query(`SELECT count(*) FROM job WHERE status = 'PENDING'`)).rows[0].count);
  if (pending < backlogMin) {
    const perUser = 100;
    await seedJobs(sql, { tag: "backlog", users: Math.ceil((backlogMin - pending) / perUser), jobsPerUser: perUser, grantsPerJob: 1, shape: "pending", spreadDays: 0 });
  }
  await sql.query("CHECKPOINT");
  context.log(`worker: backlog ${Math.max(pending, backlogMin)} pending jobs; starting one worker process (concurrency ${options.workerConcurrency}) …`);
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(import.meta.dirname, "worker-process.ts")], {
    env: { ...context.appEnv, WORKER_CONCURRENCY: String(options.workerConcurrency), LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const completed = async () => Number((await sql.query(`SELECT count(*) FROM job WHERE status = 'COMPLETED'`)).rows[0].count);
  const before = await completed();
  const startedAt = Date.now();
  while ((await completed()) === before && Date.now() - startedAt < 60_000) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  const windowStart = await completed();
  const windowStartedAt = performance.now();
  const runBackends = meterBackendCpu(context.postmasterPid);
  const workerCpuBefore = sampleCpu([child.pid!]);
  await new Promise((r) => setTimeout(r, options.durationS * 1000));
  const done = (await completed()) - windowStart;
  const runMs = runBackends.stop();
  const workerNodeMsPerJob = round(cpuBetween(workerCpuBefore, sampleCpu([child.pid!])) / Math.max(1, done), 3);
  const rate = done / ((performance.now() - windowStartedAt) / 1000);
  const runMsPerJob = runMs / Math.max(1, done);
  const left = Number((await sql.query(`SELECT count(*) FROM job WHERE status = 'PENDING'`)).rows[0].count);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  const postgresCpuMsPerJob = round(createMsPerJob + runMsPerJob, 2);
  const common = { baseline: null, p50: null, p95: null, p99: null, conflictRetries: null, errors: {} };
  return [{
    ...common, scenario: "worker", metric: "jobs completed/s", app: round(rate), unit: "jobs/s per process",
    ratio: round(rate / workerJobsPerSecondMin, 2),
    target: `≥ ${workerJobsPerSecondMin} jobs/s per worker process`, met: rate >= workerJobsPerSecondMin && left > 0,
    notes: `1 output per job, sandbox latency 0, WORKER_CONCURRENCY=${options.workerConcurrency}; ratio is to the ${workerJobsPerSecondMin}/s target; ` +
      `the worker process's own CPU ${workerNodeMsPerJob} ms per job; ` +
      (left > 0 ? `${left} jobs still pending at the end of the window` : "the backlog drained inside the window: the rate is a lower bound"),
    workerNodeMsPerJob,
  }, {
    ...common, scenario: "worker", metric: "PostgreSQL CPU per job, end to end", app: postgresCpuMsPerJob, unit: "ms/job",
    ratio: round(postgresCpuMsPerJob / postgresCpuMsPerJobMax, 2), target: `≤ ${postgresCpuMsPerJobMax} ms`,
    met: postgresCpuMsPerJob <= postgresCpuMsPerJobMax, postgresCpuMsPerJob,
    notes: `client backends: ${round(createMsPerJob, 2)} ms per jobs.create (${creates.ok} creates through tRPC in ${workerCreateWindowS} s, ` +
      `${options.clients} clients) + ${round(runMsPerJob, 2)} ms per job completed by the worker (fetch, claim, output, settlement, ` +
      `completion; ${done} jobs); ratio is to the ${postgresCpuMsPerJobMax} ms target`,
  }];
}

/** Issue 23, target 3: 10,000 stuck jobs settled in this time. */
const cleanupSecondsMax = 2;

/** 10,000 stuck jobs (half overdue, half with a dead worker's lease): the cron route until none is left. */
export async function cleanupScenario(context: Context): Promise<Row[]> {
  const { options, sql, app } = context;
  const perUser = 100;
  await seedJobs(sql, { tag: "stuck", users: Math.ceil(options.stuckJobs / perUser), jobsPerUser: perUser, grantsPerJob: 1, shape: "stuck", spreadDays: 0 });
  const stuck = async () => Number((await sql.query(`SELECT count(*) FROM job WHERE workspace_id LIKE 'stuck-u-%' AND status = 'PROCESSING'`)).rows[0].count);
  // As after any bulk load (and as bench/db-cost.ts does): statistics that
  // know the new rows, and no checkpoint due in the middle of the window.
  await sql.query("VACUUM ANALYZE");
  await sql.query("CHECKPOINT");
  context.log(`cleanup: ${await stuck()} stuck jobs; calling the cron route until it answers that none is left …`);
  const latencies: number[] = [];
  const startedAt = performance.now();
  let calls = 0;
  const errors: Record<string, number> = {};
  // The scheduler's view: call until a pass says it was complete (it found
  // fewer than a batch and ended each: every job stuck when it started has
  // ended). What is left is counted after the window.
  for (let complete = false; !complete && calls < 1_000; ) {
    const sent = performance.now();
    const response = await fetch(`${app.baseUrl}/api/cron/cleanup-stuck-jobs`, { headers: { authorization: `Bearer ${benchSecrets.CRON_SECRET}` } });
    calls++;
    if (!response.ok) errors[`HTTP_${response.status}`] = (errors[`HTTP_${response.status}`] ?? 0) + 1;
    const body = (await response.json().catch(() => ({}))) as { complete?: boolean };
    latencies.push(performance.now() - sent);
    complete = response.ok && body.complete === true;
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const left = await stuck();
  if (left > 0) errors.STUCK_JOBS_LEFT = left;
  const latency = summarize(latencies);
  return [{
    scenario: "cleanup", metric: `${options.stuckJobs} stuck jobs settled`, app: round(seconds, 2), unit: "s",
    baseline: null, ratio: round(seconds / cleanupSecondsMax, 2), p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99),
    conflictRetries: null, errors, target: `≤ ${cleanupSecondsMax} s`, met: seconds <= cleanupSecondsMax && left === 0,
    notes: `${calls} sequential route calls of ≤ ${options.cleanupBatchMax} jobs (CLEANUP_BATCH_MAX); latency columns are per call; ratio is to the ${cleanupSecondsMax} s target`,
  }];
}

// The `large` scenario lives in large-scenario.ts.
