import { spawn } from "node:child_process";

import { describe, expect, it } from "vitest";

import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";

import { accountState, createUser, db, expectConserved, testConfig, workerDeps } from "../helpers";
import { sleep } from "../fixtures/concurrency";
import { createTestJob, jobEvents, jobLedger, jobOutputs, jobRow } from "../fixtures/jobs";

// A worker PROCESS killed with SIGKILL mid-job (SPEC §3.8 liveness, §3.9 no
// duplicate outputs, §3.3/§3.4 one charge, no spurious refund).

const childLeaseMs = 1_000;
const waitMaxMs = 30_000;

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, describeFailure: () => string): Promise<T> {
  const started = Date.now();
  while (Date.now() - started < waitMaxMs) {
    const value = await probe();
    if (value) return value;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}\n${describeFailure()}`);
}

describe("a worker process killed with SIGKILL mid-job", () => {
  it("is recovered by the cleanup and finished by another worker: 4 outputs, earlier ones kept, one charge, no refund", async () => {
    const user = await createUser({ balance: 50 });
    const { job } = await createTestJob(user.id, { outputs: 4, modelId: "canvas-v1", prompt: "a fox in the snow" });
    const doomedWorker = "doomed-worker-process";

    // `node --import tsx` (not the tsx binary, which forks a second node
    // process): the pid we kill is the one running the worker.
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "tests/fixtures/worker-process.ts", job.id], {
      cwd: process.cwd(),
      env: { ...process.env, WORKER_ID: doomedWorker, WORKER_LATENCY_MS: "300", WORKER_LEASE_MS: String(childLeaseMs) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let childOutput = "";
    child.stdout.on("data", (chunk: Buffer) => (childOutput += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (childOutput += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));

    try {
      await waitFor("the child's first output", async () => (await db.jobOutput.count({ where: { jobId: job.id } })) >= 1, () => childOutput);
    } finally {
      child.kill("SIGKILL");
    }
    expect(await exited).toBe("SIGKILL");

    const beforeKill = await jobOutputs(job.id);
    expect(beforeKill.length).toBeGreaterThanOrEqual(1);
    expect(beforeKill.length).toBeLessThan(4);
    expect(beforeKill.every((o) => o.workerId === doomedWorker)).toBe(true);
    expect(await jobRow(job.id)).toMatchObject({ status: "PROCESSING", leaseOwner: doomedWorker, attempts: 1 });

    // Nobody renews the lease any more; once it has expired the cleanup requeues the job.
    await waitFor("the lease to expire", async () => {
      const rows = await db.$queryRaw<{ expired: boolean }[]>`
        SELECT lease_expires_at < clock_timestamp() AS expired FROM job WHERE id = ${job.id}::uuid`;
      return rows[0]?.expired;
    }, () => "lease never expired");
    expect(await runCleanup(db, testConfig)).toMatchObject({ recovered: 1, failed: 0 });
    expect(await jobRow(job.id)).toMatchObject({ status: "PENDING", leaseOwner: null });

    const outcome = await runJob(workerDeps({ workerId: "rescuer" }), job.id);
    expect(outcome.kind).toBe("settled");

    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: "COMPLETED", outputsDone: 4, outputsFailed: 0, attempts: 2, refundedAmount: 0 });
    const outputs = await jobOutputs(job.id);
    expect(outputs.map((o) => o.index)).toEqual([0, 1, 2, 3]);
    for (const kept of beforeKill) {
      const now = outputs.find((o) => o.index === kept.index)!;
      expect(now).toMatchObject({ id: kept.id, workerId: doomedWorker, content: kept.content });
    }
    expect(outputs.filter((o) => o.workerId === "rescuer")).toHaveLength(4 - beforeKill.length);

    const ledger = await jobLedger(job.id);
    expect(ledger.charges.map((e) => e.amount)).toEqual([-20]);
    expect(ledger.refunds).toHaveLength(0);
    expect((await accountState(user.id)).balance).toBe(30);
    const types = (await jobEvents(job.id)).map((e) => e.type);
    expect(types.filter((t) => t === "claimed")).toHaveLength(2);
    expect(types.filter((t) => t === "recovered")).toHaveLength(1);
    expect(types.filter((t) => t === "settled")).toHaveLength(1);
    await expectConserved(user.id, expect);
  });
});
