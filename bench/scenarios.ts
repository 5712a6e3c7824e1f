import { spawn } from "node:child_process";
import path from "node:path";

import pg from "pg";

import { runBaseline, type BaselineResult } from "./baseline";
import { callTrpc, conflictRetries, loadCreate, type LoadResult } from "./http-load";
import type { BenchOptions } from "./options";
import { benchSecrets, type AppProcess } from "./server";
import { createSessionCookies } from "./sessions";
import { seedAccounts, seedJobs } from "./sql-seed";
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
};

export type Context = {
  options: BenchOptions;
  databaseUrl: string;
  sql: pg.Client;
  app: AppProcess;
  appEnv: NodeJS.ProcessEnv;
  workDir: string;
  log: (message: string) => void;
};

const warmupS = 3;
// Enough for every request of a run, and small enough that sums over all
// users stay inside the int4 the admin statistics compute in.
const userBalance = 1_000_000;

/** `count` seeded users with signed-in session cookies (the first one probed over HTTP). */
export async function accountsWithCookies(context: Context, tag: string, count: number) {
  const ids = await seedAccounts(context.sql, tag, count, userBalance);
  const cookies = await createSessionCookies(context.sql, ids, benchSecrets.BETTER_AUTH_SECRET);
  const first = cookies.get(ids[0]!)!;
  const probe = await callTrpc(context.app.baseUrl, "credits.summary", undefined, first, "query");
  if (!probe.ok) throw new Error(`a seeded session is refused (${probe.appCode}): the cookie format changed?`);
  return ids.map((id) => cookies.get(id)!);
}

function loadRow(scenario: string, load: LoadResult, raw: BaselineResult, retries: number, target: string, met: boolean, notes: string): Row {
  return {
    scenario, metric: "jobs.create/s", app: round(load.throughput), unit: "req/s",
    baseline: round(raw.tps), ratio: round(load.throughput / raw.tps, 2),
    p50: round(load.latency.p50), p95: round(load.latency.p95), p99: round(load.latency.p99),
    conflictRetries: retries, errors: load.errors, target, met,
    notes: `${notes}; raw (${raw.tool}) p50/p95/p99 ${round(raw.latency.p50)}/${round(raw.latency.p95)}/${round(raw.latency.p99)} ms, ${raw.errors} failed`,
  };
}

async function measureCreate(context: Context, cookies: string[], spread: (client: number, n: number) => number) {
  const { baseUrl } = context.app;
  const cookieFor = (client: number, n: number) => cookies[spread(client, n) % cookies.length]!;
  await loadCreate({ baseUrl, clients: context.options.clients, durationS: warmupS, cookieFor });
  const retriesBefore = await conflictRetries(baseUrl, benchSecrets.METRICS_TOKEN);
  const load = await loadCreate({ baseUrl, clients: context.options.clients, durationS: context.options.durationS, cookieFor });
  const retries = (await conflictRetries(baseUrl, benchSecrets.METRICS_TOKEN)) - retriesBefore;
  return { load, retries };
}

/** 1,000 accounts, 32 clients: jobs.create over HTTP against the raw-SQL limit. */
export async function accountsScenario(context: Context): Promise<Row[]> {
  const { options } = context;
  const cookies = await accountsWithCookies(context, "acct", options.accounts);
  context.log(`accounts: ${options.accounts} users seeded with sessions; raw SQL baseline …`);
  const raw = await runBaseline({ databaseUrl: context.databaseUrl, tag: "acct", accounts: options.accounts, clients: options.clients, durationS: options.durationS, workDir: context.workDir });
  context.log(`accounts: raw ${round(raw.tps)} tx/s; HTTP load …`);
  let counter = 0;
  const { load, retries } = await measureCreate(context, cookies, () => counter++ * 7919);
  const met = load.throughput >= 0.5 * raw.tps && load.latency.p99 < 100;
  return [loadRow("accounts", load, raw, retries, "≥ 0.5× raw, p99 < 100 ms", met, `${options.accounts} accounts, ${options.clients} clients`)];
}

/** Every client on one account: the user row lock serializes them; no conflict may reach a client. */
export async function hotScenario(context: Context): Promise<Row[]> {
  const { options } = context;
  const cookies = await accountsWithCookies(context, "hot", 1);
  context.log("hot: raw SQL baseline on one account …");
  const raw = await runBaseline({ databaseUrl: context.databaseUrl, tag: "hot", accounts: 1, clients: options.clients, durationS: options.durationS, workDir: context.workDir });
  context.log(`hot: raw ${round(raw.tps)} tx/s; HTTP load …`);
  const { load, retries } = await measureCreate(context, cookies, () => 0);
  const conflictsSeen = load.errors.CONFLICT_RETRY ?? 0;
  const met = load.throughput >= 0.5 * raw.tps && conflictsSeen === 0;
  return [loadRow("hot account", load, raw, retries, "≥ 0.5× raw, no CONFLICT_RETRY at a client", met, `1 account, ${options.clients} clients`)];
}

/** One worker process draining a backlog with the zero-latency sandbox: completed jobs per second. */
export async function workerScenario(context: Context): Promise<Row[]> {
  const { options, sql } = context;
  const backlogMin = 5_000;
  const pending = Number((await sql.query(`SELECT count(*) FROM job WHERE status = 'PENDING'`)).rows[0].count);
  if (pending < backlogMin) {
    const perUser = 100;
    await seedJobs(sql, { tag: "backlog", users: Math.ceil((backlogMin - pending) / perUser), jobsPerUser: perUser, grantsPerJob: 1, shape: "pending", spreadDays: 0 });
  }
  context.log(`worker: backlog ${Math.max(pending, backlogMin)} pending jobs; starting one worker process (concurrency ${options.workerConcurrency}) …`);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "worker-process.ts")], {
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
  await new Promise((r) => setTimeout(r, options.durationS * 1000));
  const done = (await completed()) - windowStart;
  const rate = done / ((performance.now() - windowStartedAt) / 1000);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  return [{
    scenario: "worker", metric: "jobs completed/s", app: round(rate), unit: "jobs/s per process",
    baseline: null, ratio: round(rate / 500, 2), p50: null, p95: null, p99: null, conflictRetries: null, errors: {},
    target: "≥ 500 jobs/s per worker process", met: rate >= 500,
    notes: `1 output per job, sandbox latency 0, WORKER_CONCURRENCY=${options.workerConcurrency}; ratio is to the 500/s target`,
  }];
}

/** 10,000 stuck jobs (half overdue, half with a dead worker's lease): the cron route until none is left. */
export async function cleanupScenario(context: Context): Promise<Row[]> {
  const { options, sql, app } = context;
  const perUser = 100;
  await seedJobs(sql, { tag: "stuck", users: Math.ceil(options.stuckJobs / perUser), jobsPerUser: perUser, grantsPerJob: 1, shape: "stuck", spreadDays: 0 });
  const stuck = async () => Number((await sql.query(`SELECT count(*) FROM job WHERE user_id LIKE 'stuck-u-%' AND status = 'PROCESSING'`)).rows[0].count);
  context.log(`cleanup: ${await stuck()} stuck jobs; calling the cron route until none is left …`);
  const latencies: number[] = [];
  const startedAt = performance.now();
  let calls = 0;
  const errors: Record<string, number> = {};
  while ((await stuck()) > 0 && calls < 1_000) {
    const sent = performance.now();
    const response = await fetch(`${app.baseUrl}/api/cron/cleanup-stuck-jobs`, { headers: { authorization: `Bearer ${benchSecrets.CRON_SECRET}` } });
    calls++;
    if (!response.ok) errors[`HTTP_${response.status}`] = (errors[`HTTP_${response.status}`] ?? 0) + 1;
    await response.text();
    latencies.push(performance.now() - sent);
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const latency = summarize(latencies);
  return [{
    scenario: "cleanup", metric: `${options.stuckJobs} stuck jobs settled`, app: round(seconds, 2), unit: "s",
    baseline: null, ratio: round(seconds / 10, 2), p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99),
    conflictRetries: null, errors, target: "< 10 s", met: seconds < 10,
    notes: `${calls} sequential route calls of ≤ ${options.cleanupBatchMax} jobs (CLEANUP_BATCH_MAX); latency columns are per call; ratio is to the 10 s target`,
  }];
}

// The `large` scenario lives in large-scenario.ts.
