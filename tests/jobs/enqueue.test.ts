import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { callerFor, createUser, db, jobRequest } from "../helpers";

/**
 * A create enqueues its job with one insert into graphile-worker's own
 * table (cw_enqueue_run_job) instead of graphile_worker.add_job. These
 * tests hold it to what add_job would have done: the same row, the same
 * wake-up of the workers, and add_job itself while the task is unknown.
 */

type QueueRow = {
  task_id: number;
  job_queue_id: number | null;
  payload: unknown;
  priority: number;
  max_attempts: number;
  attempts: number;
  key: string | null;
  flags: unknown;
  locked_at: Date | null;
  locked_by: string | null;
  revision: number;
  last_error: string | null;
  run_at_is_now: boolean;
};

const queueRowsOf = (jobId: string) =>
  db.$queryRaw<QueueRow[]>`
    SELECT task_id, job_queue_id, payload, priority, max_attempts, attempts, key, flags, locked_at, locked_by,
           revision, last_error, abs(extract(epoch FROM run_at - created_at)) < 1 AS run_at_is_now
      FROM graphile_worker._private_jobs WHERE payload->>'jobId' = ${jobId} ORDER BY id`;

let listener: pg.Client;
const notifications: string[] = [];

beforeAll(async () => {
  listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await listener.connect();
  listener.on("notification", (message) => notifications.push(message.payload ?? ""));
  await listener.query(`LISTEN "jobs:insert"`);
});
afterAll(async () => {
  await listener.end();
});

async function nextNotification(after: number): Promise<string> {
  for (let waited = 0; waited < 5_000; waited += 20) {
    if (notifications.length > after) return notifications[after]!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no jobs:insert notification");
}

describe("a created job in the queue", () => {
  it("is the row graphile_worker.add_job makes for it, and wakes the workers as add_job does", async () => {
    const user = await createUser({ balance: 20 });
    const seen = notifications.length;
    const { job: first } = await callerFor(user).jobs.create(jobRequest());
    const { job } = await callerFor(user).jobs.create(jobRequest());
    // One notification per created job, as add_job sends.
    expect(JSON.parse(await nextNotification(seen + 1))).toMatchObject({ count: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notifications).toHaveLength(seen + 2);

    const [ours] = await queueRowsOf(job.id);
    expect(ours).toBeDefined();
    // The same job enqueued through graphile-worker's own door, for comparison.
    await db.$executeRaw`SELECT graphile_worker.add_job('run-job', json_build_object('jobId', ${job.id}::uuid, 'userId', ${user.id}::text), max_attempts := 5)`;
    const [, theirs] = await queueRowsOf(job.id);
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ payload: { jobId: job.id, userId: user.id }, max_attempts: 5, attempts: 0, key: null, run_at_is_now: true });
    expect((await queueRowsOf(first.id))).toHaveLength(1);
  });

  it("goes through add_job while the database has no run-job task yet, which makes the task", async () => {
    await db.$executeRaw`DELETE FROM graphile_worker._private_tasks WHERE identifier = 'run-job'`;
    const user = await createUser({ balance: 20 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    const tasks = await db.$queryRaw<{ id: number }[]>`SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'run-job'`;
    expect(tasks).toHaveLength(1);
    const rows = await queueRowsOf(job.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.task_id).toBe(tasks[0]!.id);
  });
});
