import pg from "pg";
import { describe, expect, it } from "vitest";

import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";
import { runMaintenancePass } from "~/server/queue/maintenance";
import { accountLockTable } from "~/server/money/shapes";

import { accountState, createUser, db, expectConserved, testConfig, workerDeps } from "../helpers";
import { createTestJob, ghostClaim, jobEvents, jobLedger, jobRow, pastDeadlines } from "../fixtures/jobs";

// SPEC §3.8 Liveness: every job ends by its deadline plus one cleanup
// interval; a job whose worker died is recovered (keeping its outputs) up to
// MAX_ATTEMPTS, then failed and refunded. (A real SIGKILLed worker process:
// tests/faults/worker-sigkill.test.ts.)

// Liveness is asserted by who ended a job and in which pass, never by how
// many milliseconds it took (a busy machine would decide that): the worker's
// own timer, or the first cleanup pass after the deadline.

const shortTimeout = { jobTimeoutMs: 1_000 };

/** Run-jobs in graphile-worker's queue (its public view); no worker drains this file's queue. */
async function queuedRunJobs(): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'run-job'`;
  return rows[0]!.n;
}

describe("§3.8 liveness", () => {
  it("a #hang job is ended by the worker's own timeout at its deadline, FAILED with a full refund", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { prompt: "wait forever #hang", outputs: 2 }, shortTimeout);
    const outcome = await runJob(workerDeps({ config: { ...testConfig, ...shortTimeout } }), job.id);
    expect(outcome.kind).toBe("settled");
    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT", refundedAmount: 4, outputsDone: 0 });
    // The worker ended it itself (its lease, its settlement), not a cleanup.
    expect((await jobEvents(job.id)).at(-1)).toMatchObject({ type: "settled", workerId: expect.any(String) });
    expect((await accountState(user.id)).balance).toBe(20);
    await expectConserved(user.id, expect);
  });

  it("when the worker is gone, the cleanup fails overdue jobs (processing or never claimed) and refunds them", async () => {
    const user = await createUser({ balance: 20 });
    const stalled = await createTestJob(user.id, { prompt: "wait forever #hang", outputs: 2 }, shortTimeout);
    const neverClaimed = await createTestJob(user.id, { outputs: 1 }, shortTimeout);
    // A worker claimed it with a long lease, then stopped without a trace.
    await ghostClaim(stalled.job.id, { leaseSeconds: 3_600 });
    expect(await runCleanup(db, testConfig)).toMatchObject({ failed: 0, recovered: 0 });

    await pastDeadlines([stalled.job.id, neverClaimed.job.id]);
    const result = await runCleanup(db, testConfig);
    expect(result).toMatchObject({ failed: 2, refunded: 2, recovered: 0 });
    for (const { job } of [stalled, neverClaimed]) {
      const row = await jobRow(job.id);
      expect(row).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT", refundedAmount: job.totalCost, leaseOwner: null });
      // Ended by the first pass after its deadline, and never before it.
      expect(row.finishedAt!.getTime()).toBeGreaterThan(row.deadlineAt.getTime());
      expect((await jobLedger(job.id)).refunds.map((e) => e.amount)).toEqual([job.totalCost]);
    }
    // A worker arriving late for the overdue job finds nothing to claim.
    expect(await runJob(workerDeps(), neverClaimed.job.id)).toEqual({ kind: "not-claimed" });
    expect((await accountState(user.id)).balance).toBe(20);
    await expectConserved(user.id, expect);
  });

  it("an expired lease is recovered (requeued) until MAX_ATTEMPTS, then the job is failed and refunded", async () => {
    const user = await createUser({ balance: 20 });
    const queuedBefore = await queuedRunJobs();
    const { job } = await createTestJob(user.id, { outputs: 3 });
    for (let attempt = 1; attempt < testConfig.maxAttempts; attempt++) {
      await ghostClaim(job.id);
      expect(await runCleanup(db, testConfig)).toMatchObject({ recovered: 1, failed: 0 });
      expect(await jobRow(job.id)).toMatchObject({ status: "PENDING", attempts: attempt, leaseOwner: null });
    }
    await ghostClaim(job.id);
    expect(await runCleanup(db, testConfig)).toMatchObject({ recovered: 0, failed: 1, refunded: 1 });
    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: "FAILED", errorCode: "WORKER_LOST", attempts: testConfig.maxAttempts, refundedAmount: 6 });
    const types = (await jobEvents(job.id)).map((e) => e.type);
    expect(types.filter((t) => t === "recovered")).toHaveLength(testConfig.maxAttempts - 1);
    expect(types.at(-1)).toBe("settled");
    // Each recovery re-enqueued the job on graphile-worker (plus the original
    // enqueue); nothing else queued a run-job meanwhile.
    expect((await queuedRunJobs()) - queuedBefore).toBe(testConfig.maxAttempts);
    await expectConserved(user.id, expect);
  });

  it("a job at MAX_ATTEMPTS is not claimed again by a worker", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { outputs: 1 });
    await db.$executeRaw`UPDATE job SET attempts = ${testConfig.maxAttempts} WHERE id = ${job.id}::uuid`;
    expect(await runJob(workerDeps(), job.id)).toEqual({ kind: "not-claimed" });
  });

  it("the cleanup is bounded per call (cleanupBatchMax) and finishes the backlog over several calls", async () => {
    const user = await createUser({ balance: 100 });
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await createTestJob(user.id, { outputs: 1 }, shortTimeout));
    await pastDeadlines(jobs.map(({ job }) => job.id));
    const config = { ...testConfig, cleanupBatchMax: 2 };
    // A pass that found a whole batch may have left some: it is partial.
    expect(await runCleanup(db, config)).toMatchObject({ scanned: 2, failed: 2, complete: false });
    expect(await runCleanup(db, config)).toMatchObject({ scanned: 2, failed: 2, complete: false });
    expect(await runCleanup(db, config)).toMatchObject({ scanned: 1, failed: 1, complete: true });
    expect(await runCleanup(db, config)).toMatchObject({ scanned: 0, failed: 0, complete: true });
    expect(await db.job.count({ where: { workspaceId: user.id, status: "FAILED" } })).toBe(5);
    await expectConserved(user.id, expect);
  });

  it("a maintenance pass takes batch after batch until none is left, and no more than cleanupPassMs allows", async () => {
    const user = await createUser({ balance: 100 });
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await createTestJob(user.id, { outputs: 1 }, shortTimeout));
    await pastDeadlines(jobs.map(({ job }) => job.id));
    // No time for a second batch: the pass is one batch, partial.
    expect(await runMaintenancePass(db, { ...testConfig, cleanupBatchMax: 2, cleanupPassMs: 0 }))
      .toMatchObject({ scanned: 2, failed: 2, complete: false });
    // Time enough: the other three in one pass, two batches of at most two.
    expect(await runMaintenancePass(db, { ...testConfig, cleanupBatchMax: 2 }))
      .toMatchObject({ scanned: 3, failed: 3, refunded: 3, complete: true });
    expect(await db.job.count({ where: { workspaceId: user.id, status: "FAILED" } })).toBe(5);
    await expectConserved(user.id, expect);
  });

  it("concurrent cleanups divide the accounts: one that another cleanup is settling is skipped, not waited for", async () => {
    const [busy, free] = await Promise.all([createUser({ balance: 20 }), createUser({ balance: 20 })]);
    const busyJob = await createTestJob(busy.id, { outputs: 2 }, shortTimeout);
    const freeJob = await createTestJob(free.id, { outputs: 2 }, shortTimeout);
    await pastDeadlines([busyJob.job.id, freeJob.job.id]);
    // Another process's cleanup is in the middle of the busy account: its
    // transaction has settled the job and holds the account until COMMIT.
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
      // As every money transaction does, it took the account's lock first.
      await other.query(`LOCK TABLE ${accountLockTable(busy.id)} IN EXCLUSIVE MODE`);
      const held = await other.query("SELECT failed FROM cw_cleanup_account($1, $2::uuid[], '{}'::uuid[], 3)", [busy.id, [busyJob.job.id]]);
      expect(held.rows).toEqual([{ failed: 1 }]);
      // While the holder is still open, this cleanup settles the free account
      // and leaves the busy one to it. (Before, it waited on the busy user
      // row until the lock timeout ended the pass with an error.)
      // It left a job it found to another cleanup: a partial pass.
      expect(await runCleanup(db, testConfig)).toMatchObject({ failed: 1, complete: false });
      expect(await jobRow(freeJob.job.id)).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT" });
      expect(await jobRow(busyJob.job.id)).toMatchObject({ status: "PENDING" });
      // The holder commits, or (its reads overlapped this pass's writes on
      // shared index pages) is told to retry, as withRetries would.
      await other.query("COMMIT").catch((error: { code?: string }) => expect(error.code).toBe("40001"));
    } finally {
      await other.end();
    }
    // The next pass of any process settles whatever is still due, once.
    expect(await runCleanup(db, testConfig)).toMatchObject({ complete: true });
    for (const { job } of [busyJob, freeJob]) {
      expect(await jobRow(job.id)).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT", refundedAmount: job.totalCost });
      expect((await jobLedger(job.id)).refunds.map((e) => e.amount)).toEqual([job.totalCost]);
    }
    await expectConserved(busy.id, expect);
    await expectConserved(free.id, expect);
  });
});
