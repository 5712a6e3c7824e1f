import { spawn, type ChildProcess } from "node:child_process";

import { afterAll, describe, expect, it } from "vitest";

import { runCleanup } from "~/server/jobs/cleanup";
import { createJob } from "~/server/jobs/create";
import { queueLocksSql, type QueueLocks } from "~/server/queue/worker-registry";

import { sleep } from "../fixtures/concurrency";
import { actingAs, createUser, db, jobRequest, testConfig } from "../helpers";

// Issue 11.4: a worker process killed with SIGKILL must not leave its queue
// rows locked for graphile-worker's four-hour lock timeout. Its pool stops
// heartbeating in worker_process; the cleanup reaps it and unlocks its
// rows; health tells live locks from dead ones meanwhile.

const leaseMs = 1_000;
const workers: ChildProcess[] = [];
afterAll(() => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL");
});

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/launch.ts", "worker"], {
    env: {
      ...process.env, NODE_ENV: "production", LOG_LEVEL: "silent", LEASE_MS: String(leaseMs),
      SANDBOX_LATENCY_MS: "20000", WORKER_CONCURRENCY: "2", DATABASE_POOL_MAX: "4",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  workers.push(child);
  return child;
}

async function waitUntil(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const locks = async () => (await db.$queryRawUnsafe<QueueLocks[]>(queueLocksSql, (2 * leaseMs) / 1000))[0]!;

describe("a SIGKILLed worker's queue rows", () => {
  it("are reported as dead locks, then unlocked by the cleanup; its pool leaves the registry", async () => {
    const user = await createUser({ balance: 1_000 });
    const worker = startWorkerProcess();
    const jobs = [];
    for (let index = 0; index < 2; index++) jobs.push((await createJob(db, actingAs(user.id), jobRequest({ outputs: 1 }), testConfig)).job.id);
    await waitUntil("both queue rows locked by the worker", 30_000, async () => (await locks()).lockedLive === 2);
    const [pool] = await db.workerProcess.findMany({ select: { workerId: true, runnerIds: true } });
    // graphile-worker 0.17+ locks a pool's rows with the pool's one id.
    expect(pool?.runnerIds).toHaveLength(1);

    worker.kill("SIGKILL");
    await waitUntil("the locks to be seen as dead", 10_000, async () => (await locks()).lockedDead === 2);
    expect((await locks()).lockedLive).toBe(0);

    const result = await runCleanup(db, { ...testConfig, leaseMs });
    expect(result.unlocked).toBe(2);
    const stillLocked = await db.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM graphile_worker.jobs WHERE locked_by = ANY (${pool!.runnerIds}::text[])`;
    expect(stillLocked[0]!.count).toBe(0);
    expect(await db.workerProcess.count({ where: { workerId: pool!.workerId } })).toBe(0);
    expect(await locks()).toMatchObject({ lockedLive: 0, lockedDead: 0 });
    // The jobs themselves: their leases expired with the worker, the same
    // cleanup requeued them, and a new worker takes them.
    expect(await db.job.count({ where: { id: { in: jobs }, status: "PENDING" } })).toBe(2);
  }, 90_000);
});
