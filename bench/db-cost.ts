/**
 * `npx tsx --conditions=react-server bench/db-cost.ts [--jobs=3000] [--users=300] [--clients=16] [--worker-concurrency=8] [--budgets[=pairs]]`
 *
 * What one job costs PostgreSQL, measured where the cost is paid: the CPU
 * time of the server's processes (postmaster, backends, WAL writer,
 * checkpointer, autovacuum: /proc, children that exited included) and the
 * WAL it writes, per job created (charge + insert + enqueue + event) and per
 * job run to the end by a real worker pool (graphile-worker's fetch and
 * completion, claim, one output, settlement), through the app's own domain
 * code in this process. CPU time, unlike throughput, hardly depends on what
 * else the machine runs: it is what sizing a bigger server starts from
 * (docs/scaling.md). Runs on a throwaway embedded PostgreSQL (default
 * settings, fsync on) in .data/bench-cost.
 *
 * `--budgets` measures what the budget check and count add to a create
 * (SPEC §9): the same creates over `users` accounts without a budget and
 * over as many with an ACCOUNT budget each (MONTH, a limit no run reaches),
 * in alternating phases of `jobs` creates (3 pairs, or `--budgets=<pairs>`,
 * the order flipped every pair so that the growing tables favour neither),
 * each pair's ratio and their median printed; the run phase is skipped.
 *
 * `--cleanup` measures the maintenance pass instead (issue 23, target 3):
 * `jobs` stuck jobs over `users` accounts (half past their deadline, half
 * with a dead worker's lease), settled by in-process passes of at most
 * `--cleanup-batch` (1,000, CLEANUP_BATCH_MAX's default) until none is
 * left; prints each pass's milliseconds.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import path from "node:path";

import pg from "pg";

import { ensureDatabase, startEmbeddedPostgres } from "../scripts/lib/embedded-postgres";
import { prepareDatabase } from "../scripts/lib/prepare-database";
import { freePort } from "../scripts/lib/free-port";
import { meterBackendCpu } from "./cpu";
import { seedAccounts, seedBudgets, seedJobs } from "./sql-seed";
import type { JobsConfig } from "../src/server/config";
import type { Db } from "../src/server/db";

const clockTicksPerSecond = 100;

type Options = {
  jobs: number; users: number; clients: number; workerConcurrency: number; profile: boolean; budgetPairs: number;
  cleanup: boolean; cleanupBatch: number;
};

const budgetPairsDefault = 3;
/** The budgets' limit: far above what a run spends (each account holds 1,000,000 credits), so no create is refused. */
const budgetLimitCredits = 100_000_000;

function parse(argv: string[]): Options {
  const options: Options = {
    jobs: 3_000, users: 300, clients: 16, workerConcurrency: 8, profile: false, budgetPairs: 0, cleanup: false, cleanupBatch: 1_000,
  };
  for (const arg of argv) {
    if (arg === "--cleanup") {
      options.cleanup = true;
      continue;
    }
    if (arg === "--profile") {
      options.profile = true;
      continue;
    }
    if (arg === "--budgets") {
      options.budgetPairs = budgetPairsDefault;
      continue;
    }
    if (arg.startsWith("--budgets=")) {
      options.budgetPairs = Number(arg.slice("--budgets=".length));
      if (!Number.isInteger(options.budgetPairs) || options.budgetPairs <= 0) throw new Error(`bad option ${arg}`);
      continue;
    }
    const [name, value] = arg.replace(/^--/, "").split("=");
    const key = ({
      jobs: "jobs", users: "users", clients: "clients", "worker-concurrency": "workerConcurrency", "cleanup-batch": "cleanupBatch",
    } as const)[name as "jobs"];
    if (!key || !Number.isInteger(Number(value)) || Number(value) <= 0) throw new Error(`bad option ${arg}`);
    options[key] = Number(value);
  }
  return options;
}

/** CPU seconds used so far by a postmaster and all its processes, living or exited. */
function serverCpuSeconds(postmasterPid: number): number {
  const ticks = (pid: number, withChildren: boolean) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      // After the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based overall).
      const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
      return utime! + stime! + (withChildren ? cutime! + cstime! : 0);
    } catch {
      return 0;
    }
  };
  let children: number[] = [];
  try {
    children = execFileSync("pgrep", ["-P", String(postmasterPid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    // No child.
  }
  return (ticks(postmasterPid, true) + children.reduce((sum, pid) => sum + ticks(pid, false), 0)) / clockTicksPerSecond;
}

async function walBytes(sql: pg.Client): Promise<bigint> {
  const { rows } = await sql.query<{ lsn: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS lsn");
  return BigInt(rows[0]!.lsn.split(".")[0]!);
}

/** The statements and functions that took the most time in the phase, in ms per job. */
async function printProfile(sql: pg.Client, jobs: number): Promise<void> {
  await sql.query("SELECT pg_stat_force_next_flush()").catch(() => {});
  const statements = await sql.query<{ ms: number; calls: string; query: string }>(`
    SELECT round((total_exec_time + total_plan_time)::numeric / $1, 3)::float AS ms, calls::text, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time + total_plan_time DESC LIMIT 25`, [jobs]);
  for (const row of statements.rows) console.log(`  ${String(row.ms).padStart(7)} ms/job  ${row.calls.padStart(7)} calls  ${row.query}`);
  const functions = await sql.query<{ self: number; total: number; calls: string; name: string }>(`
    SELECT round(self_time::numeric / $1, 3)::float AS self, round(total_time::numeric / $1, 3)::float AS total, calls::text, funcname AS name
    FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 20`, [jobs]);
  for (const row of functions.rows) console.log(`  fn ${row.name}: self ${row.self} total ${row.total} ms/job, ${row.calls} calls`);
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const dataDir = path.resolve(import.meta.dirname, "..", ".data", "bench-cost");
  rmSync(dataDir, { recursive: true, force: true });
  // --profile: where the time goes, per statement (nested ones included) and per function.
  const postgresFlags = options.profile
    ? ["-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=all", "-c", "track_functions=all"]
    : [];
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), supervise: false, postgresFlags });
  try {
    await ensureDatabase(server.url("postgres"), "creditworks_cost");
    const url = server.url("creditworks_cost");
    await prepareDatabase(url);
    Object.assign(process.env, {
      DATABASE_URL: url, BETTER_AUTH_SECRET: "db-cost-secret-db-cost-secret-0123456", LOG_LEVEL: "warn", DATABASE_POOL_MAX: "20",
    });
    const { db } = await import("../src/server/db");
    const { createJob } = await import("../src/server/jobs/create");
    const { startWorker } = await import("../src/server/queue/worker");
    const { createSandboxProvider } = await import("../src/server/providers");
    const config = { maxActiveJobs: 100_000, rateLimitPerMinute: 100_000, maxAttempts: 3, leaseMs: 15_000, jobTimeoutMs: 3_600_000, cleanupBatchMax: 500, cleanupPassMs: 5_000 };
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    if (options.profile) await sql.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const users = await seedAccounts(sql, "cost", options.users, 1_000_000);
    await sql.query("CHECKPOINT");

    const measure = async (label: string, work: () => Promise<number>) => {
      const [cpu0, wal0, app0, t0] = [serverCpuSeconds(server.pid()!), await walBytes(sql), process.cpuUsage(), performance.now()];
      const backends = meterBackendCpu(server.pid()!);
      if (options.profile) await sql.query("SELECT pg_stat_statements_reset(), pg_stat_reset()");
      const count = await work();
      const seconds = (performance.now() - t0) / 1000;
      const backendMs = backends.stop();
      const [cpu1, wal1, app1] = [serverCpuSeconds(server.pid()!), await walBytes(sql), process.cpuUsage(app0)];
      const row = {
        phase: label, jobs: count, perSecond: Math.round(count / seconds),
        dbCpuMsPerJob: Math.round(((cpu1 - cpu0) * 1000 / count) * 100) / 100,
        backendCpuMsPerJob: Math.round((backendMs / count) * 100) / 100,
        walBytesPerJob: Number((wal1 - wal0) / BigInt(count)),
        appCpuMsPerJob: Math.round(((app1.user + app1.system) / 1000 / count) * 100) / 100,
      };
      console.log(JSON.stringify(row));
      if (options.profile) await printProfile(sql, count);
      return row;
    };

    if (options.cleanup) {
      await measureCleanup(options, sql, db, config, measure);
      await sql.end();
      await db.$disconnect();
      return;
    }

    const created: string[] = [];
    const createOver = (accounts: string[]) => async () => {
      let next = 0;
      let done = 0;
      await Promise.all(Array.from({ length: options.clients }, async () => {
        while (next < options.jobs) {
          const n = next++;
          const { job } = await createJob(db, { workspaceId: accounts[n % accounts.length]!, actorUserId: accounts[n % accounts.length]! }, {
            idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: "cost", outputs: 1,
          }, config);
          created.push(job.id);
          done++;
        }
      }));
      return done;
    };
    if (options.budgetPairs > 0) {
      const budgeted = await seedAccounts(sql, "costb", options.users, 1_000_000);
      await seedBudgets(sql, "costb", budgetLimitCredits);
      await sql.query("CHECKPOINT");
      await compareBudgets(options, measure, createOver(users), createOver(budgeted));
      await sql.end();
      await db.$disconnect();
      return;
    }
    const create = await measure("create (charge + job + enqueue + event, one transaction)", createOver(users));
    // BENCH_RUN_CPU_PROF=<file>: a V8 CPU profile of this process over the run phase (bench/profile-summary.ts reads it).
    const profileFile = process.env.BENCH_RUN_CPU_PROF;
    const inspector = profileFile ? new Session() : null;
    if (inspector) {
      inspector.connect();
      await inspector.post("Profiler.enable");
      await inspector.post("Profiler.start");
    }
    const run = await measure("run (queue fetch, claim, 1 output, settle, queue completion)", async () => {
      const worker = await startWorker({
        connectionString: url, db, provider: createSandboxProvider({ latencyMs: 0 }), config, concurrency: options.workerConcurrency, cronCleanup: false,
      });
      await worker.ready;
      for (;;) {
        const { rows } = await sql.query<{ left: number }>("SELECT count(*)::int AS left FROM job WHERE status IN ('PENDING', 'PROCESSING')");
        if (rows[0]!.left === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await worker.stop();
      return created.length;
    });
    if (inspector) {
      const { profile } = await inspector.post("Profiler.stop");
      writeFileSync(profileFile!, JSON.stringify(profile));
      inspector.disconnect();
    }
    const total = create.dbCpuMsPerJob + run.dbCpuMsPerJob;
    console.log(`client backends: ${create.backendCpuMsPerJob} + ${run.backendCpuMsPerJob} = ${Math.round((create.backendCpuMsPerJob + run.backendCpuMsPerJob) * 100) / 100} ms per job`);
    console.log(
      `\nPer job, one output, on PostgreSQL: ${create.dbCpuMsPerJob} ms CPU to create + ${run.dbCpuMsPerJob} ms to run and settle = ${Math.round(total * 100) / 100} ms; ` +
        `WAL ${create.walBytesPerJob} + ${run.walBytesPerJob} bytes. One core of this machine: ≈ ${Math.round(1000 / total)} jobs/s end to end.`,
    );
    await sql.end();
    await db.$disconnect();
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Measured = { dbCpuMsPerJob: number; backendCpuMsPerJob: number };

/** `--cleanup`: stuck jobs seeded in SQL, then maintenance passes in this process until none is left. */
async function measureCleanup(
  options: Options, sql: pg.Client, db: Db, config: JobsConfig,
  measure: (label: string, work: () => Promise<number>) => Promise<Measured>,
): Promise<void> {
  const { runMaintenancePass } = await import("../src/server/queue/maintenance");
  const perUser = Math.max(1, Math.ceil(options.jobs / options.users));
  await seedJobs(sql, { tag: "stuck", users: options.users, jobsPerUser: perUser, grantsPerJob: 1, shape: "stuck", spreadDays: 0 });
  await sql.query("VACUUM ANALYZE");
  await sql.query("CHECKPOINT");
  const passesMs: number[] = [];
  await measure(`cleanup (${options.users * perUser} stuck jobs, passes of ≤ ${options.cleanupBatch})`, async () => {
    let settled = 0;
    for (;;) {
      const started = performance.now();
      const pass = await runMaintenancePass(db, { ...config, cleanupBatchMax: options.cleanupBatch });
      passesMs.push(Math.round(performance.now() - started));
      settled += pass.failed + pass.recovered;
      if (pass.complete && pass.scanned === 0) return settled;
    }
  });
  const total = passesMs.reduce((sum, ms) => sum + ms, 0);
  console.log(`cleanup passes (ms): ${passesMs.join(", ")}; ${total} ms in all`);
}

/**
 * Alternating create phases without and with a budget on every account;
 * prints each pair's PostgreSQL CPU per create (the client backends', and
 * the whole server's) and the ratio with / without.
 */
async function compareBudgets(
  options: Options, measure: (label: string, work: () => Promise<number>) => Promise<Measured>,
  without: () => Promise<number>, withBudgets: () => Promise<number>,
): Promise<void> {
  const pairs: { without: Measured; with: Measured; load: number }[] = [];
  for (let pair = 0; pair < options.budgetPairs; pair++) {
    const plain = () => measure(`create, no budget (pair ${pair + 1})`, without);
    const budgeted = () => measure(`create, ACCOUNT budget (pair ${pair + 1})`, withBudgets);
    let withoutBudgets: Measured;
    let withBudgetsMeasured: Measured;
    if (pair % 2 === 0) {
      withoutBudgets = await plain();
      withBudgetsMeasured = await budgeted();
    } else {
      withBudgetsMeasured = await budgeted();
      withoutBudgets = await plain();
    }
    pairs.push({ without: withoutBudgets, with: withBudgetsMeasured, load: loadavg()[0]! });
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  console.log("\npair | backend ms/create without → with (ratio) | whole server ms/create without → with (ratio) | load (1 min)");
  for (const [index, pair] of pairs.entries()) {
    console.log(
      `${index + 1} | ${pair.without.backendCpuMsPerJob} → ${pair.with.backendCpuMsPerJob} (${ratio(pair.with.backendCpuMsPerJob, pair.without.backendCpuMsPerJob)}) | ` +
        `${pair.without.dbCpuMsPerJob} → ${pair.with.dbCpuMsPerJob} (${ratio(pair.with.dbCpuMsPerJob, pair.without.dbCpuMsPerJob)}) | ${pair.load.toFixed(2)}`,
    );
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : Math.round(((sorted[middle - 1]! + sorted[middle]!) / 2) * 1000) / 1000;
  };
  const backend = median(pairs.map((pair) => ratio(pair.with.backendCpuMsPerJob, pair.without.backendCpuMsPerJob)));
  const server = median(pairs.map((pair) => ratio(pair.with.dbCpuMsPerJob, pair.without.dbCpuMsPerJob)));
  console.log(`median ratio with / without budgets: client backends ${backend}×, whole server ${server}× (target: ≤ 1.10×)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
