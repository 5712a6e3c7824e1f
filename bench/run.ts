/**
 * `npm run bench [-- --scenario=accounts,accounts-budgets,hot,rest,worker,cleanup,large,processes --duration=15 --clients=32]`
 *
 * Starts the bench's own embedded PostgreSQL (.data/bench, port 54349) with
 * a fresh database, the production build (`next build` in a staged copy,
 * `next start` on port 3300, limits lifted, sandbox latency 0), runs the
 * chosen scenarios, checks every invariant of SPEC §3 after each one, prints
 * the table and writes it to bench-results/. Exits non-zero when an
 * invariant broke: a benchmark that loses a credit fails.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";

import pg from "pg";

import { findViolations, type Violation } from "../tests/chaos/invariants";
import { hasPgbench } from "./baseline";
import { parseOptions, type BenchOptions, type ScenarioName } from "./options";
import { largeScenario } from "./large-scenario";
import { processesScenario } from "./processes-scenario";
import { rollupViolations } from "./rollup-check";
import { accountsBudgetsScenario, accountsScenario, cleanupScenario, hotScenario, restScenario, workerScenario, type Context, type Row } from "./scenarios";
import { benchDir, benchSecrets, ensureProductionBuild, startApp, startBenchDatabase, appPort } from "./server";

const scenarioRunners: Record<ScenarioName, (context: Context) => Promise<Row[]>> = {
  accounts: accountsScenario,
  "accounts-budgets": accountsBudgetsScenario,
  hot: hotScenario,
  rest: restScenario,
  worker: workerScenario,
  cleanup: cleanupScenario,
  large: largeScenario,
  processes: processesScenario,
};

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function appEnvironment(options: BenchOptions, databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...benchSecrets,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: String(options.poolMax),
    APP_URL: `http://localhost:${appPort}`,
    PORT: String(appPort),
    // Workers are measured in their own process (the worker scenario); in
    // the web process they would share its two cores with the requests.
    WORKERS_IN_WEB: "false",
    MAX_ACTIVE_JOBS: String(options.maxActiveJobs),
    RATE_LIMIT_PER_MINUTE: String(options.rateLimitPerMinute),
    CLEANUP_BATCH_MAX: String(options.cleanupBatchMax),
    JOB_TIMEOUT_MS: "3600000",
    SANDBOX_LATENCY_MS: "0",
    SIGNUP_CREDITS: "0",
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
    NEXT_TELEMETRY_DISABLED: "1",
  };
}

function printTable(rows: Row[]): void {
  const header = [
    "scenario", "metric", "app", "unit", "raw/before", "ratio", "p50 ms", "p95 ms", "p99 ms", "conflict retries (per 1,000 commits)",
    "node ms/req", "pg ms/req", "raw pg ms/req", "stmts/req", "1-client p50 ms", "errors", "target", "met",
  ];
  const dash = (value: number | null | undefined) => (value === null || value === undefined ? "—" : String(value));
  const lines = rows.map((row) => [
    row.scenario, row.metric, String(row.app), row.unit, row.baseline === null ? "—" : String(row.baseline),
    row.ratio === null ? "—" : `${row.ratio}×`, row.p50 === null ? "—" : String(row.p50), row.p95 === null ? "—" : String(row.p95),
    row.p99 === null ? "—" : String(row.p99),
    row.conflictRetries === null ? "—" : `${row.conflictRetries}${row.retriesPer1000Commits == null ? "" : ` (${row.retriesPer1000Commits})`}`,
    dash(row.nodeCpuMsPerRequest), dash(row.postgresCpuMsPerRequest), dash(row.rawPostgresCpuMsPerRequest),
    dash(row.statementsPerRequest), dash(row.p50OneClientMs),
    Object.keys(row.errors).length === 0 ? "0" : Object.entries(row.errors).map(([code, count]) => `${code}:${count}`).join(" "),
    row.target, row.met ? "yes" : "NO",
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  console.log(format(header));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const line of lines) console.log(format(line));
  for (const row of rows) console.log(`  ${row.scenario} / ${row.metric}: ${row.notes}`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const loadAtStart = loadavg().map((v) => Math.round(v * 100) / 100);
  const workDir = path.join(benchDir, "work");
  mkdirSync(workDir, { recursive: true });
  log(`scenarios ${options.scenarios.join(", ")}; ${options.durationS} s each, ${options.clients} clients; baseline with ${hasPgbench() ? "pgbench" : "a pg client loop (pgbench not found)"}`);
  const { server, url } = await startBenchDatabase(log);
  const env = appEnvironment(options, url);
  const sql = new pg.Client({ connectionString: url });
  const apps: Awaited<ReturnType<typeof startApp>>[] = [];
  const rows: Row[] = [];
  const violations: { scenario: string; violations: Violation[] }[] = [];
  const failures: string[] = [];
  try {
    await ensureProductionBuild(env, log, { force: options.rebuild, reuse: options.reuseBuild, hotPathRef: options.hotPathRef });
    for (let index = 0; index < options.webProcesses; index++) {
      apps.push(await startApp(env, path.join(benchDir, `app-${index}.log`), appPort + index));
    }
    await sql.connect();
    log(`app on ${apps.map((app) => app.baseUrl).join(", ")}, database ${url.replace(/:[^:@/]+@/, ":***@")}`);
    for (const name of options.scenarios) {
      log(`scenario ${name} …`);
      try {
        const scenarioRows = await scenarioRunners[name]({
          options, databaseUrl: url, sql, app: apps[0]!, apps, postmasterPid: server.pid()!, appEnv: env, workDir, log,
        });
        rows.push(...scenarioRows);
        for (const row of scenarioRows) log(`${row.scenario} / ${row.metric}: ${row.app} ${row.unit}, ratio ${row.ratio ?? "—"}`);
      } catch (error) {
        failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        log(`scenario ${name} FAILED: ${failures.at(-1)}`);
      }
      const broken = [...(await findViolations(url, { quiet: false })), ...(await rollupViolations(url, log))];
      if (broken.length > 0) violations.push({ scenario: name, violations: broken });
      log(`scenario ${name} done; invariants ${broken.length === 0 ? "hold" : `BROKEN: ${JSON.stringify(broken)}`}`);
    }
  } finally {
    await sql.end().catch(() => {});
    await Promise.all(apps.map((app) => app.stop()));
    await server.stop();
  }
  console.log("");
  printTable(rows);
  const resultsDir = path.resolve(import.meta.dirname, "..", "bench-results");
  mkdirSync(resultsDir, { recursive: true });
  const machine = { cpus: cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100) };
  console.log(`machine: ${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.join(" ")} at start, ${machine.loadAverageAtEnd.join(" ")} at the end`);
  const report = { at: new Date().toISOString(), options, baselineTool: hasPgbench() ? "pgbench" : "pg-loop", machine, rows, failures, violations };
  const file = path.join(resultsDir, `bench-${report.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync(path.join(resultsDir, "latest.json"), JSON.stringify(report, null, 2));
  log(`results written to ${path.relative(process.cwd(), file)}`);
  if (failures.length > 0) console.error(`SCENARIOS FAILED: ${failures.join("; ")}`);
  if (violations.length > 0) {
    console.error(`INVARIANTS BROKEN: ${JSON.stringify(violations, null, 2)}`);
    return 1;
  }
  log("every invariant held after every scenario");
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
