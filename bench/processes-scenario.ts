import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

import { loadCreate } from "./http-load";
import { accountsWithSessions, type Context, type Row } from "./scenarios";
import { appPort, benchDir, benchSecrets, startApp, type AppProcess } from "./server";
import { round } from "./stats";

const webProcesses = 3;
const workerProcesses = 3;
const drainTimeoutMs = 180_000;

function startWorker(context: Context): ChildProcess {
  return spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(import.meta.dirname, "worker-process.ts")], {
    env: {
      ...context.appEnv, WORKER_CONCURRENCY: String(context.options.workerConcurrency), LOG_LEVEL: "warn",
      // Short leases: the killed worker's jobs are recovered within seconds.
      LEASE_MS: "3000",
      // A worker needs no session secret (issue 11): run them without it.
      BETTER_AUTH_SECRET: undefined,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/**
 * Many processes, one database (issue 11): 3 web processes (`next start`)
 * and 3 worker processes (`npm run worker`'s code) on one PostgreSQL, the
 * HTTP load spread across the web processes. Halfway through, one web
 * process and one worker process are SIGKILLed: clients of the dead web
 * process move to the others, the dead worker's jobs are recovered after
 * their lease and its queue rows unlocked by the cleanup. Reports the
 * throughput of creates and completions, how long the backlog took to
 * drain, and that no queue row stayed locked; run.ts then checks every
 * invariant of SPEC §3.
 */
export async function processesScenario(context: Context): Promise<Row[]> {
  const { options, sql, log } = context;
  const webs: AppProcess[] = [...context.apps.slice(0, webProcesses)];
  const started: AppProcess[] = [];
  for (let index = webs.length; index < webProcesses; index++) {
    const app = await startApp(context.appEnv, path.join(benchDir, `app-processes-${index}.log`), appPort + 20 + index);
    started.push(app);
    webs.push(app);
  }
  const workers = Array.from({ length: workerProcesses }, () => startWorker(context));
  const dead = new Set<string>();
  try {
    const sessions = await accountsWithSessions(context, "proc", options.accounts);
    log(`processes: ${webs.length} web + ${workers.length} worker processes; HTTP load for ${options.durationS} s, kills at half time …`);
    const alive = () => webs.filter((web) => !dead.has(web.baseUrl));
    let counter = 0;
    const victimWeb = webs[webs.length - 1]!;
    const victimWorker = workers[0]!;
    const killedAtS = options.durationS / 2;
    const killer = setTimeout(() => {
      dead.add(victimWeb.baseUrl);
      process.kill(victimWeb.pid, "SIGKILL");
      victimWorker.kill("SIGKILL");
      log(`processes: SIGKILLed web ${victimWeb.baseUrl} and worker pid ${victimWorker.pid}`);
    }, killedAtS * 1000);
    const load = await loadCreate({
      baseUrlFor: (client) => { const live = alive(); return live[client % live.length]!.baseUrl; },
      clients: options.clients,
      durationS: options.durationS,
      sessionFor: () => sessions[(counter++ * 7919) % sessions.length]!,
    });
    clearTimeout(killer);
    const created = Number((await sql.query(`SELECT count(*) FROM job WHERE workspace_id LIKE 'proc-u-%'`)).rows[0].count);
    const completedInLoad = Number((await sql.query(`SELECT count(*) FROM job WHERE workspace_id LIKE 'proc-u-%' AND status = 'COMPLETED'`)).rows[0].count);
    log(`processes: ${created} jobs created, ${completedInLoad} completed during the load; draining with the surviving workers and the cron route …`);
    const drainStartedAt = performance.now();
    const active = async () => Number((await sql.query(
      `SELECT count(*) FROM job WHERE workspace_id LIKE 'proc-u-%' AND status IN ('PENDING', 'PROCESSING')`)).rows[0].count);
    const cron = () => fetch(`${alive()[0]!.baseUrl}/api/cron/cleanup-stuck-jobs`, { headers: { authorization: `Bearer ${benchSecrets.CRON_SECRET}` } })
      .then((response) => response.text(), () => "");
    while ((await active()) > 0 && performance.now() - drainStartedAt < drainTimeoutMs) {
      await cron();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const drainS = (performance.now() - drainStartedAt) / 1000;
    const left = await active();
    // The dead pool's rows are unlocked by the cleanup once its heartbeat is
    // two leases old; the live pools release theirs when they stop.
    for (const worker of workers.slice(1)) worker.kill("SIGTERM");
    await Promise.all(workers.slice(1).map((worker) => new Promise((resolve) => (worker.exitCode !== null ? resolve(null) : worker.once("exit", resolve)))));
    const unlockDeadline = performance.now() + 30_000;
    let locked = Number.NaN;
    while (performance.now() < unlockDeadline) {
      await cron();
      locked = Number((await sql.query(`SELECT count(*) FROM graphile_worker.jobs WHERE locked_by IS NOT NULL`)).rows[0].count);
      if (locked === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const killedClients = load.errors.NETWORK ?? 0;
    const otherErrors = Object.entries(load.errors).filter(([code]) => code !== "NETWORK");
    return [{
      scenario: "processes", metric: "jobs.create/s across 3 web processes", app: round(load.throughput), unit: "req/s",
      baseline: null, ratio: null, p50: round(load.latency.p50), p95: round(load.latency.p95), p99: round(load.latency.p99),
      conflictRetries: null, errors: load.errors,
      target: "every job terminal after the kills; no queue row left locked; no 5xx but the killed process's dropped connections",
      met: left === 0 && locked === 0 && otherErrors.length === 0,
      notes: `${webProcesses} web + ${workerProcesses} worker processes; web and worker SIGKILLed at ${killedAtS} s; ` +
        `${created} jobs created (${round(completedInLoad / load.durationS)} completed/s during the load), ` +
        `${killedClients} requests lost with the killed web process, backlog drained in ${round(drainS, 1)} s (${left} left), ` +
        `${locked} queue rows still locked`,
    }];
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL");
    await Promise.all(started.filter((web) => !dead.has(web.baseUrl)).map((web) => web.stop()));
  }
}
