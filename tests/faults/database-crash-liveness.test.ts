import { spawn, type ChildProcess } from "node:child_process";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sleep } from "../fixtures/concurrency";
import { freePort } from "../../scripts/lib/free-port";
import { startOwnDatabase, type OwnDatabase } from "../fixtures/own-database";
import { parsePrometheusText, sampleValue } from "../fixtures/prometheus-text";
import { runAlone } from "../fixtures/run-alone";

// SPEC §3.8 liveness, proved through a database crash with no manual step:
// the supervised embedded PostgreSQL (what `npm start` runs) is killed with
// SIGKILL in the middle of a workload served by two real `npm run worker`
// processes. Nobody calls the cleanup or the cron route: the server must
// come back by itself, the workers' pools and their own cleanup schedule
// must carry on, and every invariant of SPEC §3 must hold.
//
// Liveness is asserted by events, not by the wall clock (a busy machine
// makes every pass slower, not wrong): once the last deadline has passed on
// the database's clock, every job is terminal as soon as a worker process
// finishes a complete cleanup pass (its own metric) that started after it.
// How late jobs are by the clock is the chaos run's figure, reported there.

const cleanupIntervalMs = 1_000;
const jobTimeoutMs = 6_000;
/** Fresh jobs after the storm get a deadline they cannot reach on any machine: they must complete, not time out. */
const freshJobTimeoutMs = 120_000;
/** Jobs created before the database is killed, and after it is back. */
const jobsBeforeCrash = 30;
const jobsAfterBack = 30;
const prompts = ["A quiet harbour at dawn", "#fail the lighthouse", "A river in spring", "#hang forever", "#fail-output-2 four seasons", "Snow on the pass"];

runAlone();

let own: OwnDatabase;
let app: Awaited<ReturnType<typeof importApp>>;
const workers: { child: ChildProcess; metricsPort: number }[] = [];

async function importApp() {
  const [dbModule, create, helpers, integrity] = await Promise.all([
    import("~/server/db"),
    import("~/server/jobs/create"),
    import("../helpers"),
    import("~/server/integrity"),
  ]);
  return { ...dbModule, ...create, ...helpers, ...integrity };
}

async function startWorkerProcess(): Promise<void> {
  const metricsPort = await freePort();
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/launch.ts", "worker"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "silent",
      DATABASE_URL: own.url,
      DATABASE_POOL_MAX: "8",
      WORKER_CONCURRENCY: "6",
      SANDBOX_LATENCY_MS: "100",
      LEASE_MS: "1500",
      JOB_TIMEOUT_MS: String(jobTimeoutMs),
      CLEANUP_INTERVAL_MS: String(cleanupIntervalMs),
      WORKER_METRICS_PORT: String(metricsPort),
    },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  workers.push({ child, metricsPort });
}

/** Complete cleanup passes a worker process has finished so far (its own /metrics). */
async function completePasses(metricsPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
    headers: { authorization: `Bearer ${process.env.METRICS_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return sampleValue(parsePrometheusText(await response.text()), "creditworks_cleanup_passes_total", { result: "complete" }) ?? 0;
}

/**
 * Waits until one worker process has finished a complete cleanup pass that
 * started after this call: two more complete passes than now, since passes
 * of one process never overlap and one may be running already.
 */
async function nextCompletePassStartedNow(): Promise<void> {
  const before = await Promise.all(workers.map(({ metricsPort }) => completePasses(metricsPort)));
  for (;;) {
    const now = await Promise.all(workers.map(({ metricsPort }) => completePasses(metricsPort)));
    if (now.some((passes, index) => passes >= before[index]! + 2)) return;
    await sleep(100);
  }
}

/** Waits until the database's clock is past `instant` (the clock deadlines are set by). */
async function databaseClockPast(instant: Date): Promise<void> {
  for (;;) {
    const [row] = await app.db.$queryRaw<{ past: boolean }[]>`SELECT clock_timestamp() > ${instant} AS past`;
    if (row?.past) return;
    await sleep(100);
  }
}

beforeAll(async () => {
  own = await startOwnDatabase({ supervise: true });
  process.env.DATABASE_URL = own.url;
  app = await importApp();
}, 60_000);

afterAll(async () => {
  for (const { child } of workers) if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
  await app?.db.$disconnect();
  await own?.stop();
});

async function databaseAnswers(): Promise<boolean> {
  return app.db.$queryRaw`SELECT 1`.then(() => true, () => false);
}

describe("liveness through a database crash (supervised embedded PostgreSQL, no manual step)", () => {
  it("every job past its deadline is terminal after the next complete cleanup pass, the workers run again, and every invariant holds", async () => {
    await startWorkerProcess();
    await startWorkerProcess();
    const users = await Promise.all(Array.from({ length: 6 }, () => app.createUser({ balance: 5_000 })));
    const config = { ...app.testConfig, jobTimeoutMs };
    const created: string[] = [];
    let createdAfterBack = 0;
    let refused = 0;
    let crashedAt = 0;
    let backAt = 0;
    // The workload is counted in jobs, not seconds (a busy machine creates
    // them slower, not fewer): the database is killed once the first ones
    // exist, and the clients go on until as many more were created after it
    // was back.
    const crash = (async () => {
      while (created.length < jobsBeforeCrash) await sleep(50);
      crashedAt = Date.now();
      process.kill(own.server.pid()!, "SIGKILL");
      await sleep(200);
      while (!(await databaseAnswers())) await sleep(50);
      backAt = Date.now();
    })();
    const clients = users.map(async (user, index) => {
      for (let round = 0; !backAt || createdAfterBack < jobsAfterBack; round++) {
        const request = app.jobRequest({ prompt: prompts[(index + round) % prompts.length]!, outputs: 1 + ((index + round) % 4) });
        const sentAfterBack = backAt > 0;
        await app.createJob(app.db, { workspaceId: user.id, actorUserId: user.id }, request, config).then(
          ({ job }) => {
            created.push(job.id);
            if (sentAfterBack) createdAfterBack++;
          },
          () => refused++,
        );
        await sleep(150);
      }
    });
    await Promise.all([...clients, crash]);
    expect(own.server.restarts()).toBe(1);
    const createdAfterCrash = await app.db.job.count({ where: { id: { in: created }, createdAt: { gt: new Date(backAt) } } });
    expect(created.length - createdAfterCrash).toBeGreaterThanOrEqual(jobsBeforeCrash);
    expect(createdAfterCrash).toBeGreaterThanOrEqual(jobsAfterBack);

    // Every job is past its deadline once the last one is: the next complete
    // pass of either worker's own schedule must leave none active.
    const lastDeadline = await app.db.job.aggregate({ _max: { deadlineAt: true } });
    await databaseClockPast(lastDeadline._max.deadlineAt!);
    await nextCompletePassStartedNow();
    const jobs = await app.db.job.findMany({
      select: { id: true, status: true, prompt: true, createdAt: true, deadlineAt: true, startedAt: true, finishedAt: true, errorCode: true },
    });
    expect(jobs.length).toBe(created.length);
    const active = jobs.filter((job) => job.status === "PENDING" || job.status === "PROCESSING" || !job.finishedAt);
    expect(active, `jobs still active after a complete cleanup pass past every deadline (refused requests: ${refused}; crashed at ${new Date(crashedAt).toISOString()}, back at ${new Date(backAt).toISOString()})`).toEqual([]);
    // Nothing ends early: a job no worker started can only have been timed
    // out by the cleanup, and only past its deadline.
    expect(jobs.filter((job) => job.startedAt === null && job.finishedAt! < job.deadlineAt)).toEqual([]);
    expect(jobs.some((job) => job.errorCode === "TIMEOUT")).toBe(true);
    // The workload is over capacity by design (#hang jobs hold slots until
    // their deadline), so a plain job submitted once the database was back
    // either generated or timed out: no other failure.
    const plainAfter = jobs.filter((job) => job.createdAt.getTime() > backAt && !job.prompt.includes("#"));
    expect(plainAfter.length).toBeGreaterThan(0);
    expect(plainAfter.filter((job) => job.status !== "COMPLETED" && job.errorCode !== "TIMEOUT")).toEqual([]);
    // And the same workers generate every fresh job: nothing of the crash is
    // left in them. Their deadline is out of reach, so only a worker that
    // runs them ends them (the wait is the test's own timeout).
    const fresh = await Promise.all(
      users.map((user) => app.createJob(app.db, { workspaceId: user.id, actorUserId: user.id }, app.jobRequest({ prompt: "After the storm" }), { ...config, jobTimeoutMs: freshJobTimeoutMs })),
    );
    const freshIds = fresh.map(({ job }) => job.id);
    let freshJobs = await app.db.job.findMany({ where: { id: { in: freshIds } }, select: { id: true, status: true, errorCode: true } });
    while (freshJobs.some((job) => job.status === "PENDING" || job.status === "PROCESSING")) {
      await sleep(100);
      freshJobs = await app.db.job.findMany({ where: { id: { in: freshIds } }, select: { id: true, status: true, errorCode: true } });
    }
    expect(freshJobs.filter((job) => job.status !== "COMPLETED")).toEqual([]);

    const report = await app.runIntegrityChecks(app.db, { overdueGraceMs: cleanupIntervalMs });
    expect(report.checks.filter((check) => check.violationCount > 0)).toEqual([]);
    for (const user of users) await app.expectConserved(user.id, expect);
    // The run takes about 25 s on an idle 2-core machine; ten times that
    // only stops a test that hangs (a job no pass ever ends, a dead worker).
  }, 250_000);
});
