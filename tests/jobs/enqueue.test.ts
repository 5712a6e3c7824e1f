import { EventEmitter } from "node:events";

import { Logger, runTaskList, type WorkerEvents } from "graphile-worker";
import pg from "pg";
import { describe, expect, it } from "vitest";

import { createJob, createJobCommitting } from "~/server/jobs/create";
import { runJobTask } from "~/server/queue/tasks";
import { money } from "~/server/money";

import { sleep } from "../fixtures/concurrency";
import { drainQueue, queuedJobs } from "../fixtures/queue";
import { actingAs, callerFor, createUser, db, jobRequest, testConfig } from "../helpers";

/**
 * A job enters graphile-worker's queue through its public functions
 * (graphile_worker.add_job, add_jobs), in the transaction that charges it.
 * These tests look at the queue only from the outside: what a graphile-worker
 * pool is handed to run, and the documented `graphile_worker.jobs` view.
 */

const silent = new Logger(() => () => {});

type RunJobPayload = { jobId: string; workspaceId: string };

const drainRunJobs = () => drainQueue<RunJobPayload>(runJobTask);
const queuedRunJobs = () => queuedJobs(runJobTask);

describe("a job in graphile-worker's queue", () => {
  it("a create queues exactly one run-job, with the spec the worker relies on", async () => {
    await drainRunJobs();
    const user = await createUser({ balance: 20 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    expect(await queuedRunJobs()).toBe(1);

    const delivered = await drainRunJobs();
    expect(delivered.map((d) => d.payload)).toEqual([{ jobId: job.id, workspaceId: user.id }]);
    // A key of its own (the create's: it never dedupes another), no named
    // queue (jobs run in parallel), default priority, five attempts of the
    // queue's backoff.
    expect(delivered[0]!.job).toMatchObject({ task_identifier: runJobTask, job_queue_id: null, priority: 0, max_attempts: 5, attempts: 1 });
    expect(delivered[0]!.job.key).toMatch(new RegExp(`^run-job:${job.id}:\\d+$`));
    expect(await queuedRunJobs()).toBe(0);
  });

  it("a refused create queues nothing, whatever refused it", async () => {
    await drainRunJobs();
    const poor = await createUser({ balance: 1 });
    await expect(callerFor(poor).jobs.create(jobRequest({ outputs: 4 }))).rejects.toMatchObject({ cause: { code: "INSUFFICIENT_CREDITS" } });
    const busy = await createUser({ balance: 100 });
    await createJob(db, actingAs(busy.id), jobRequest(), { ...testConfig, maxActiveJobs: 1 });
    await expect(createJob(db, actingAs(busy.id), jobRequest(), { ...testConfig, maxActiveJobs: 1 })).rejects.toMatchObject({ code: "MAX_ACTIVE_JOBS" });
    expect((await drainRunJobs()).map((d) => d.payload.workspaceId)).toEqual([busy.id]);
  });

  it("a replay queues nothing more", async () => {
    await drainRunJobs();
    const user = await createUser({ balance: 20 });
    const request = jobRequest();
    const first = await callerFor(user).jobs.create(request);
    const again = await callerFor(user).jobs.create(request);
    expect(again).toMatchObject({ replayed: true, job: { id: first.job.id } });
    expect((await drainRunJobs()).map((d) => d.payload.jobId)).toEqual([first.job.id]);
  });

  it("a create whose transaction rolls back leaves no run-job (and no job, no charge)", async () => {
    await drainRunJobs();
    const user = await createUser({ balance: 20 });
    let created: string | null = null;
    await expect(
      createJobCommitting(db, actingAs(user.id), jobRequest(), testConfig, async (_tx, result) => {
        created = result.job.id;
        throw new Error("after the create, in its transaction (test)");
      }),
    ).rejects.toThrow(/in its transaction/);
    expect(created).not.toBeNull();
    expect(await queuedRunJobs()).toBe(0);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } })).toBe(0);
  });

  it("wakes an idle worker at once, long before its next poll", async () => {
    const events = new EventEmitter() as WorkerEvents;
    const listening = new Promise((resolve) => events.once("pool:listen:success", resolve));
    // The worker's first fetch found nothing: from then on only a notification (or the poll a minute away) wakes it.
    const idle = new Promise((resolve) => events.once("worker:getJob:empty", resolve));
    const delivered: string[] = [];
    const pgPool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
    const pool = runTaskList(
      { events, logger: silent, concurrency: 1, pollInterval: 60_000, noHandleSignals: true },
      { [runJobTask]: async (payload) => void delivered.push((payload as RunJobPayload).jobId) },
      pgPool,
    );
    try {
      await Promise.all([listening, idle]);
      const user = await createUser({ balance: 20 });
      const startedAt = Date.now();
      const { job } = await callerFor(user).jobs.create(jobRequest());
      // Woken by the notification: tens of milliseconds, where the poll would
      // take a minute. Half the poll interval tells the two apart on any machine.
      const wakeBoundMs = 30_000;
      for (let waited = 0; !delivered.includes(job.id) && waited < wakeBoundMs; waited += 20) await sleep(20);
      expect(delivered).toContain(job.id);
      expect(Date.now() - startedAt).toBeLessThan(wakeBoundMs);
    } finally {
      await pool.gracefulShutdown();
      await pgPool.end();
    }
  });

  it("a stopping worker's jobs are requeued together: one run-job each", async () => {
    await drainRunJobs();
    const user = await createUser({ balance: 100 });
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push((await createJob(db, actingAs(user.id), jobRequest({ outputs: 1 }), testConfig)).job.id);
    await drainRunJobs();
    // A worker that claimed them and is stopping.
    await db.$executeRaw`UPDATE job SET status = 'PROCESSING', lease_owner = 'stopping-worker', attempts = 1,
      lease_expires_at = now() + interval '1 minute' WHERE id = ANY (${ids}::uuid[])`;
    expect(await money.releaseLeases(db, "stopping-worker")).toBe(3);
    const requeued = await drainRunJobs();
    expect(requeued.map((d) => d.payload.jobId).sort()).toEqual([...ids].sort());
    // A requeue has no key: it is a row of its own, whatever became of the job's earlier rows.
    expect(requeued.every((d) => d.job.key === null && d.job.max_attempts === 5)).toBe(true);
  });
});
