import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";

import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { sleep } from "../fixtures/concurrency";
import { serverProcessIds, startOwnDatabase, type OwnDatabase } from "../fixtures/own-database";

// SPEC §3.8 (liveness) when the database itself fails: a PostgreSQL server
// of this file's own is killed, restarted, frozen and has its connections
// terminated under the app's pools and a running worker. The app's modules
// are imported after DATABASE_URL points at that server, with short timeouts
// and retry budget so that each failure path is reached within the test.

// graphile-worker prints a runner's death with console.trace (which writes
// through console.error, and would fail the file): that death is what some
// of these tests provoke, so its trace is expected here.
console.trace = () => {};

let own: OwnDatabase;
let app: Awaited<ReturnType<typeof importApp>>;

async function importApp() {
  const [dbModule, worker, helpers, providers, health, appErrors, poolConfig] = await Promise.all([
    import("~/server/db"),
    import("~/server/queue/worker"),
    import("../helpers"),
    import("~/server/providers"),
    import("~/server/ops/health"),
    import("~/server/database/app-errors"),
    import("~/server/database/pool-config"),
  ]);
  return { ...dbModule, ...worker, ...helpers, ...providers, ...health, ...appErrors, ...poolConfig };
}

beforeAll(async () => {
  own = await startOwnDatabase({ supervise: false });
  Object.assign(process.env, {
    DATABASE_URL: own.url,
    DATABASE_CONNECT_TIMEOUT_MS: "1000",
    DATABASE_STATEMENT_TIMEOUT_MS: "1000",
    DATABASE_QUERY_TIMEOUT_MS: "1500",
    DATABASE_RETRY_BUDGET_MS: "500",
    DATABASE_LOCK_TIMEOUT_MS: "500",
  });
  app = await importApp();
}, 60_000);

afterAll(async () => {
  await app?.db.$disconnect();
  await own?.stop();
});

/** Terminates the backends of one application_name (the app's pool, or the queue's). */
async function terminateBackends(applicationName: string, onlyActive = false): Promise<number> {
  const client = new pg.Client({ connectionString: own.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS count FROM pg_stat_activity
       WHERE application_name = $1 AND pid <> pg_backend_pid() ${onlyActive ? "AND state = 'active'" : ""}`,
      [applicationName],
    );
    return rows[0]?.count ?? 0;
  } finally {
    await client.end();
  }
}

async function waitUntil(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe("a dropped connection is retried inside the server", () => {
  it("a read whose backend is terminated mid-statement answers anyway (on a fresh connection)", async () => {
    // A Prisma query is lazy: `then` sends it.
    const read = app.db.$queryRaw<{ answer: number }[]>`SELECT 42 AS answer, pg_sleep(0.4)::text AS slept`.then((rows) => rows);
    await waitUntil("the read to run", 5_000, async () => (await terminateBackends("creditworks", true)) > 0);
    const rows = await read;
    expect(rows[0]?.answer).toBe(42);
  });

  it("a transaction whose backend is terminated mid-way is run again whole, and commits once", async () => {
    const user = await app.createUser({ balance: 0 });
    let attempts = 0;
    const done = app.withTransaction(app.db, { label: "test.dropped" }, async (tx) => {
      attempts++;
      await tx.$executeRaw`UPDATE "user" SET name = name || '+' WHERE id = ${user.id}`;
      await tx.$queryRaw`SELECT pg_sleep(0.4)::text`;
    });
    await waitUntil("the transaction to run", 5_000, async () => (await terminateBackends("creditworks", true)) > 0);
    await done;
    expect(attempts).toBe(2);
    const row = await app.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { name: true } });
    expect(row.name.endsWith("+")).toBe(true);
    expect(row.name.endsWith("++")).toBe(false);
  });

  it("a connection lost while checked out between statements does not end the process; the pool carries on", async () => {
    // A database crash reaches idle backends as a FATAL message with no
    // query waiting for it: an "error" event nobody else listens to.
    const pool = app.createPool(own.url, 2, app.timeoutsFromEnv());
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const ended = new Promise((resolve) => client.once("end", resolve));
      const admin = new pg.Client({ connectionString: own.url });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]).finally(() => admin.end());
      await ended;
      client.release(true);
      const again = await pool.query<{ one: number }>("SELECT 1 AS one");
      expect(again.rows[0]?.one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe("a frozen database", () => {
  // What matters is that nothing hangs: every call gives up on the client's
  // own timeouts (connect 1 s, read 1.5 s, above) and answers typed. Their
  // sum is the expected wait, about 1.5 s; each bound below is ten times
  // what it guards, so only a call that waits on a frozen server without
  // end fails it, never a busy machine. How fast the app fails over is the
  // chaos run's figure.
  const healthExpectedMs = 1_500;
  const createExpectedMs = 2_500;

  it("fails typed instead of hanging (health 503, CONFLICT_RETRY for procedures), and works again once it thaws", async () => {
    const user = await app.createUser({ balance: 100 });
    const caller = app.callerFor(user);
    const pids = serverProcessIds(own.server.pid()!);
    for (const pid of pids) process.kill(pid, "SIGSTOP");
    try {
      const healthStartedAt = Date.now();
      const health = await app.checkHealth();
      expect(health.status).toBe("error");
      // Ten times the expected wait: a health check must never hang on a frozen server.
      expect(Date.now() - healthStartedAt).toBeLessThan(10 * healthExpectedMs);

      const createStartedAt = Date.now();
      const failure = await caller.jobs.create(app.jobRequest()).then(
        () => null,
        (error: unknown) => error,
      );
      // Ten times the expected wait: a create must never hang on a frozen server.
      expect(Date.now() - createStartedAt).toBeLessThan(10 * createExpectedMs);
      expect((failure as { cause?: { code?: string } } | null)?.cause?.code).toBe("CONFLICT_RETRY");
    } finally {
      for (const pid of pids) process.kill(pid, "SIGCONT");
    }
    // Once thawed, the same pools serve again (no restart of anything).
    await waitUntil("a create after the thaw", 10 * createExpectedMs, async () =>
      caller.jobs.create(app.jobRequest()).then(() => true, () => false),
    );
    expect((await app.checkHealth()).status).toBe("ok");
  }, 120_000);
});

describe("the worker pool after its runners lost the database", () => {
  const jobConfig = () => ({ ...app.testConfig, leaseMs: 1_000 });

  async function startPool() {
    const handle = await app.startWorker({
      connectionString: own.url,
      db: app.db,
      provider: app.createSandboxProvider({ latencyMs: 150 }),
      config: jobConfig(),
      concurrency: 4,
      cronCleanup: true,
      cleanupIntervalMs: 1_000,
    });
    await handle.ready;
    return handle;
  }

  async function createJobs(userId: string, count: number): Promise<string[]> {
    const { createJob } = await import("~/server/jobs/create");
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const { job } = await createJob(app.db, { workspaceId: userId, actorUserId: userId }, app.jobRequest({ outputs: 4 }), jobConfig());
      ids.push(job.id);
    }
    return ids;
  }

  async function expectAllCompleted(ids: string[], timeoutMs: number) {
    try {
      await waitUntil(`${ids.length} jobs to complete`, timeoutMs, async () => {
        const done = await app.db.job.count({ where: { id: { in: ids }, status: "COMPLETED" } });
        return done === ids.length;
      });
    } catch (error) {
      const jobs = await app.db.job.findMany({ where: { id: { in: ids }, status: { not: "COMPLETED" } }, select: { id: true, status: true, attempts: true, leaseOwner: true } });
      const queue = await app.db.$queryRaw`SELECT id::text, task_identifier, attempts, max_attempts, run_at, locked_by, last_error FROM graphile_worker.jobs`;
      throw new Error(`${(error as Error).message}\njobs: ${JSON.stringify(jobs)}\nqueue: ${JSON.stringify(queue)}`);
    }
  }

  it("a PostgreSQL restart under a running worker: the pool comes back and jobs created before and after complete", async () => {
    const user = await app.createUser({ balance: 10_000 });
    const handle = await startPool();
    try {
      const before = await createJobs(user.id, 8);
      await waitUntil("jobs in flight", 10_000, async () => (await app.db.job.count({ where: { status: "PROCESSING" } })) > 0);
      const port = own.server.port;
      process.kill(own.server.pid()!, "SIGKILL");
      // Down for longer than the retry budget: the pool's own queue writes
      // fail, and graphile-worker shuts the pool down (it did not replace a
      // dead runner before 0.17, graphile/worker#592).
      await sleep(2_500);
      own.server = (await startEmbeddedPostgres({ dataDir: own.dataDir, port, supervise: false }));
      const after = await createJobs(user.id, 8);
      await expectAllCompleted([...before, ...after], 45_000);
      expect(handle.restarts).toBeGreaterThanOrEqual(1);
      await app.expectConserved(user.id, expect);
    } finally {
      await handle.stop();
    }
  }, 90_000);

  it("a pool whose queue rows cannot be completed is replaced: the worker keeps its concurrency", async () => {
    const user = await app.createUser({ balance: 10_000 });
    const handle = await startPool();
    const blocker = new pg.Client({ connectionString: own.url });
    await blocker.connect();
    try {
      expect(handle.liveRunners).toBe(4);
      const ids = await createJobs(user.id, 8);
      await waitUntil("jobs in flight", 10_000, async () => (await app.db.job.count({ where: { status: "PROCESSING" } })) > 0);
      // While the queue table is locked, a finished job's queue row cannot be
      // completed (lock_timeout): graphile-worker shuts the pool down.
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE graphile_worker._private_jobs IN ACCESS EXCLUSIVE MODE");
      await waitUntil("the pool to be replaced", 10_000, async () => handle.restarts > 0);
      await blocker.query("COMMIT");
      await waitUntil("the pool to run at full concurrency again", 15_000, async () => handle.liveRunners === 4);
      const more = await createJobs(user.id, 4);
      await expectAllCompleted([...ids, ...more], 45_000);
      await app.expectConserved(user.id, expect);
    } finally {
      await blocker.end();
      await handle.stop();
    }
  }, 90_000);

  /**
   * Starts a pool while `table` is locked (its reads fail on lock_timeout),
   * unlocks it after 1.5 s, then runs four jobs to completion; answers how
   * many times the pool was restarted.
   */
  async function runJobsAfterStartingBehindALock(table: string): Promise<number> {
    const user = await app.createUser({ balance: 10_000 });
    const blocker = new pg.Client({ connectionString: own.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const handle = await app.startWorker({
      connectionString: own.url, db: app.db, provider: app.createSandboxProvider({ latencyMs: 10 }),
      config: jobConfig(), concurrency: 2, cronCleanup: false,
    });
    try {
      await sleep(1_500);
      await blocker.query("COMMIT");
      await handle.ready;
      const ids = await createJobs(user.id, 4);
      await expectAllCompleted(ids, 30_000);
      return handle.restarts;
    } finally {
      await blocker.end();
      await handle.stop();
    }
  }

  it("a pool whose every fetch keeps failing (graphile-worker cached a failed task lookup) is replaced", async () => {
    // While the task table is locked, the new pool's first lookup of its task
    // ids fails (lock_timeout); graphile-worker (0.16 to 0.18.0) keeps that
    // failure cached and every later fetch of that pool fails with it, though
    // the runners live.
    expect(await runJobsAfterStartingBehindALock("graphile_worker._private_tasks")).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("a pool that starts while the queue's tables cannot be read leaves no unhandled rejection (which would end the process) and runs jobs", async () => {
    // graphile-worker's runner starts a cron that reads its crontab table
    // at once; when that read failed (here: lock_timeout, in production a
    // dropped connection) graphile-worker 0.16 left a derived promise
    // rejected with no handler, and Node ended the process (0.18 retries the
    // cron instead). The worker runs the task pool alone, so nothing reads
    // that table; vitest fails the run on any unhandled rejection.
    await runJobsAfterStartingBehindALock("graphile_worker._private_known_crontabs");
  }, 60_000);

  it("runners whose connections are terminated again and again keep running jobs", async () => {
    const user = await app.createUser({ balance: 10_000 });
    const handle = await startPool();
    try {
      const ids = await createJobs(user.id, 12);
      // Terminate the queue's busy connections as they work, for three
      // seconds: fetching, completing and failing queue rows all get cut.
      let terminated = 0;
      for (const stopAt = Date.now() + 3_000; Date.now() < stopAt; ) {
        terminated += await terminateBackends("creditworks-queue");
        await sleep(10);
      }
      expect(terminated).toBeGreaterThan(0);
      const more = await createJobs(user.id, 4);
      await expectAllCompleted([...ids, ...more], 45_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\npool: restarts ${handle.restarts}, live runners ${handle.liveRunners}`);
      });
      await app.expectConserved(user.id, expect);
    } finally {
      await handle.stop();
    }
  }, 90_000);
});
