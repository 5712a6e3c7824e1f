import { describe, expect, it } from "vitest";

import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";
import { createSandboxProvider } from "~/server/providers";

import { accountState, createUser, db, expectConserved, testConfig, workerDeps } from "../helpers";
import { sleep } from "../fixtures/concurrency";
import { createTestJob, jobEvents, jobLedger, jobOutputs, jobRow } from "../fixtures/jobs";
import { money } from "~/server/money";

// SPEC §3.5: a late worker's write to a finished job changes nothing and is
// logged (job_event `late_write_ignored`).

// The worker's heartbeat runs every leaseMs / 3; with a long lease it does not
// notice the loss before its next write, so the write itself is what is fenced.
const slowWorker = (workerId: string) =>
  workerDeps({
    workerId,
    provider: createSandboxProvider({ latencyMs: 0, slowLatencyMs: 700 }),
    config: { ...testConfig, leaseMs: 60_000 },
  });

async function waitUntilProcessing(jobId: string) {
  for (let i = 0; i < 500; i++) {
    if ((await jobRow(jobId)).status === "PROCESSING") return;
    await sleep(10);
  }
  throw new Error("job never started");
}

async function expectLateWriteIgnored(jobId: string, workerId: string) {
  const late = (await jobEvents(jobId)).filter((e) => e.type === "late_write_ignored");
  expect(late.map((e) => e.workerId)).toEqual([workerId]);
}

describe("a late worker changes nothing", () => {
  it("a job force-failed (settleJob, guard active) while its worker generates: FAILED stays, no output, one refund", async () => {
    const user = await createUser({ balance: 30 });
    const { job } = await createTestJob(user.id, { outputs: 2, prompt: "take your time #slow" });
    const running = runJob(slowWorker("worker-a"), job.id);
    await waitUntilProcessing(job.id);

    const forced = await money.settleJob(db, {
      jobId: job.id, accountId: user.id, status: "FAILED", guard: { kind: "active" }, actor: { type: "ADMIN", id: "admin-test" },
      errorCode: "FORCE_FAILED", errorMessage: "Failed by an admin.",
    });
    expect(forced).toMatchObject({ status: "FAILED", refunded: 4 });
    expect(await running).toEqual({ kind: "lease-lost" });

    expect(await jobRow(job.id)).toMatchObject({ status: "FAILED", errorCode: "FORCE_FAILED", outputsDone: 0, refundedAmount: 4 });
    expect(await jobOutputs(job.id)).toHaveLength(0);
    expect((await jobLedger(job.id)).refunds.map((e) => e.amount)).toEqual([4]);
    await expectLateWriteIgnored(job.id, "worker-a");
    expect((await accountState(user.id)).balance).toBe(30);
    await expectConserved(user.id, expect);
  });

  it("a stalled worker whose job the cleanup failed after MAX_ATTEMPTS: its output is refused, one refund", async () => {
    const user = await createUser({ balance: 30 });
    const { job } = await createTestJob(user.id, { outputs: 2, prompt: "take your time #slow" });
    // Two earlier workers died; this is the last allowed attempt.
    await db.$executeRaw`UPDATE job SET attempts = ${testConfig.maxAttempts - 1} WHERE id = ${job.id}::uuid`;
    const running = runJob(slowWorker("worker-a"), job.id);
    await waitUntilProcessing(job.id);
    // Worker A stalls (GC pause, partition): its lease runs out without a heartbeat.
    await db.$executeRaw`UPDATE job SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ${job.id}::uuid`;
    expect(await runCleanup(db, testConfig)).toMatchObject({ failed: 1, refunded: 1, recovered: 0 });

    expect(await running).toEqual({ kind: "lease-lost" });
    expect(await jobRow(job.id)).toMatchObject({ status: "FAILED", errorCode: "WORKER_LOST", outputsDone: 0, attempts: 3 });
    expect(await jobOutputs(job.id)).toHaveLength(0);
    expect((await jobLedger(job.id)).refunds.map((e) => e.amount)).toEqual([4]);
    await expectLateWriteIgnored(job.id, "worker-a");
    await expectConserved(user.id, expect);
  });

  it("a stalled worker whose job was recovered and completed by another: its late output is refused", async () => {
    const user = await createUser({ balance: 30 });
    const { job } = await createTestJob(user.id, { outputs: 2, prompt: "take your time #slow" });
    const running = runJob(slowWorker("worker-a"), job.id);
    await waitUntilProcessing(job.id);
    await db.$executeRaw`UPDATE job SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ${job.id}::uuid`;
    expect(await runCleanup(db, testConfig)).toMatchObject({ recovered: 1 });
    const fast = workerDeps({ workerId: "worker-b", provider: createSandboxProvider({ latencyMs: 0, slowLatencyMs: 0 }) });
    expect((await runJob(fast, job.id)).kind).toBe("settled");

    expect(await running).toEqual({ kind: "lease-lost" });
    expect(await jobRow(job.id)).toMatchObject({ status: "COMPLETED", outputsDone: 2, refundedAmount: 0 });
    const outputs = await jobOutputs(job.id);
    expect(outputs.map((o) => [o.index, o.workerId])).toEqual([[0, "worker-b"], [1, "worker-b"]]);
    expect((await jobLedger(job.id)).refunds).toHaveLength(0);
    await expectLateWriteIgnored(job.id, "worker-a");
    await expectConserved(user.id, expect);
  });

  it("a stalled worker writing while another worker holds the recovered job: refused by the lease owner fence", async () => {
    const user = await createUser({ balance: 30 });
    const { job } = await createTestJob(user.id, { outputs: 1, prompt: "take your time #slow" });
    const workerA = runJob(slowWorker("worker-a"), job.id);
    await waitUntilProcessing(job.id);
    await db.$executeRaw`UPDATE job SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ${job.id}::uuid`;
    expect(await runCleanup(db, testConfig)).toMatchObject({ recovered: 1 });
    const slowerB = workerDeps({
      workerId: "worker-b",
      provider: createSandboxProvider({ latencyMs: 0, slowLatencyMs: 1_500 }),
      config: { ...testConfig, leaseMs: 60_000 },
    });
    const workerB = runJob(slowerB, job.id);
    await waitUntilProcessing(job.id);

    // A finishes its output while B is still generating: same status, other owner.
    expect(await workerA).toEqual({ kind: "lease-lost" });
    expect(await jobRow(job.id)).toMatchObject({ status: "PROCESSING", leaseOwner: "worker-b", outputsDone: 0 });
    expect(await jobOutputs(job.id)).toHaveLength(0);

    expect((await workerB).kind).toBe("settled");
    expect(await jobRow(job.id)).toMatchObject({ status: "COMPLETED", outputsDone: 1, refundedAmount: 0, attempts: 2 });
    expect((await jobOutputs(job.id)).map((o) => [o.index, o.workerId])).toEqual([[0, "worker-b"]]);
    await expectLateWriteIgnored(job.id, "worker-a");
    await expectConserved(user.id, expect);
  });

  it("a worker whose heartbeat finds the lease gone stops before writing anything", async () => {
    const user = await createUser({ balance: 30 });
    const { job } = await createTestJob(user.id, { outputs: 2, prompt: "wait forever #hang" });
    const running = runJob(workerDeps({ workerId: "worker-a", config: { ...testConfig, leaseMs: 300 } }), job.id);
    await waitUntilProcessing(job.id);
    await money.settleJob(db, { jobId: job.id, accountId: user.id, status: "FAILED", guard: { kind: "active" }, actor: { type: "ADMIN", id: "admin-test" } });
    expect(await running).toEqual({ kind: "lease-lost" });
    expect(await jobRow(job.id)).toMatchObject({ status: "FAILED", outputsDone: 0, refundedAmount: 4 });
    expect(await jobOutputs(job.id)).toHaveLength(0);
    expect((await jobLedger(job.id)).refunds).toHaveLength(1);
    expect((await jobEvents(job.id)).filter((e) => e.type === "settled")).toHaveLength(1);
  });
});
