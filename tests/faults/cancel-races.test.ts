import { describe, expect, it } from "vitest";

import { cancelJob } from "~/server/jobs/cancel";
import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";
import { createSandboxProvider, type GenerationProvider } from "~/server/providers";

import { actingAs, createUser, db, expectConserved, testConfig, workerDeps } from "../helpers";
import { sleep, times } from "../fixtures/concurrency";
import { outcomeOf } from "../fixtures/errors";
import { createTestJob, ghostClaim, jobEvents, jobLedger, jobRow, pastDeadlines } from "../fixtures/jobs";

// Races between the parties that may end a job — the user's cancel, the
// worker's settlement, overlapping cleanups — settle each job exactly once
// (SPEC §3.4, §3.5, §3.1).

/** Exactly one settlement, and the refund that matches the final status. */
async function expectSettledOnce(jobId: string) {
  const row = await jobRow(jobId);
  const ledger = await jobLedger(jobId);
  const settledEvents = (await jobEvents(jobId)).filter((e) => e.type === "settled");
  expect(["COMPLETED", "FAILED", "CANCELLED"]).toContain(row.status);
  expect(settledEvents).toHaveLength(1);
  expect(ledger.charges).toHaveLength(1);
  expect(ledger.refunds.length).toBeLessThanOrEqual(1);
  const refunded = ledger.refunds[0]?.amount ?? 0;
  expect(row.refundedAmount).toBe(refunded);
  // Fair settlement: whatever ended it, the outputs not delivered come back.
  const expected = (row.outputsRequested - row.outputsDone) * row.pricePerOutput;
  expect(refunded).toBe(expected);
  return row;
}

describe("cancel racing the worker's completion", () => {
  it("20 jobs, each with cancelJob and the worker's finish at once: one settlement each, conservation holds", async () => {
    const user = await createUser({ balance: 1_000 });
    const jobs = [];
    for (let i = 0; i < 20; i++) jobs.push((await createTestJob(user.id, { outputs: 2 })).job);
    const deps = workerDeps({ provider: createSandboxProvider({ latencyMs: 10 }) });

    const results = await Promise.all(jobs.map(async (job, i) => {
      // Stagger the cancel across the job's run (~20–40 ms), so some land
      // before the claim, some mid-generation and some at the settlement.
      const cancel = (async () => {
        await sleep((i % 10) * 4);
        return outcomeOf(cancelJob(db, actingAs(user.id), job.id));
      })();
      const [run, cancelled] = await Promise.all([runJob(deps, job.id), cancel]);
      return { run, cancelled };
    }));

    const statuses: Record<string, number> = {};
    for (const [i, job] of jobs.entries()) {
      const row = await expectSettledOnce(job.id);
      statuses[row.status] = (statuses[row.status] ?? 0) + 1;
      const { cancelled } = results[i]!;
      // The cancel succeeded if and only if the job ended CANCELLED.
      expect(cancelled.code === "OK").toBe(row.status === "CANCELLED");
      if (cancelled.code !== "OK") expect(cancelled.code).toBe("JOB_NOT_CANCELLABLE");
    }
    expect((statuses.CANCELLED ?? 0) + (statuses.COMPLETED ?? 0)).toBe(20);
    await expectConserved(user.id, expect);
  });

  it("20 jobs whose cancel is fired the moment the last output is generated (racing the final write and settlement)", async () => {
    const user = await createUser({ balance: 1_000 });
    const inner = createSandboxProvider({ latencyMs: 2 });
    const cancels = new Map<string, Promise<Awaited<ReturnType<typeof outcomeOf>>>>();
    const provider: GenerationProvider = {
      name: "cancel-at-the-end",
      async generate(request) {
        const output = await inner.generate(request);
        if (request.index === request.outputs - 1) cancels.set(request.jobId, outcomeOf(cancelJob(db, actingAs(user.id), request.jobId)));
        return output;
      },
    };
    const jobs = [];
    for (let i = 0; i < 20; i++) jobs.push((await createTestJob(user.id, { outputs: 2 })).job);
    await Promise.all(jobs.map((job) => runJob(workerDeps({ provider }), job.id)));
    for (const job of jobs) {
      const cancelled = await cancels.get(job.id)!;
      const row = await expectSettledOnce(job.id);
      expect(cancelled.code === "OK").toBe(row.status === "CANCELLED");
      if (row.status === "CANCELLED") expect(row.refundedAmount).toBe(row.totalCost);
    }
    await expectConserved(user.id, expect);
  });

  it("two cleanups and a worker racing over expired leases and past deadlines: one settlement per job", async () => {
    const user = await createUser({ balance: 1_000 });
    const config = { ...testConfig, jobTimeoutMs: 1_000 };
    const overdue = [];
    for (let i = 0; i < 4; i++) overdue.push((await createTestJob(user.id, { outputs: 2 }, config)).job);
    for (const job of overdue.slice(0, 2)) await ghostClaim(job.id, { leaseSeconds: 3_600 });
    await pastDeadlines(overdue.map((job) => job.id));
    const expired = [];
    for (let i = 0; i < 6; i++) expired.push((await createTestJob(user.id, { outputs: 2 })).job);
    for (const job of expired.slice(0, 3)) {
      await db.$executeRaw`UPDATE job SET attempts = ${testConfig.maxAttempts - 1} WHERE id = ${job.id}::uuid`;
    }
    for (const job of expired) await ghostClaim(job.id);

    const all = [...overdue, ...expired];
    const worker = async () => {
      // A worker keeps taking whatever the cleanups requeue.
      for (let round = 0; round < 10; round++) {
        await Promise.all(all.map((job) => runJob(workerDeps(), job.id)));
        await sleep(5);
      }
    };
    const [first, second] = await Promise.all([runCleanup(db, testConfig), runCleanup(db, testConfig), worker()]);
    // Whatever the cleanups requeued and the worker did not take yet, the worker now finishes.
    await Promise.all(all.map((job) => runJob(workerDeps(), job.id)));

    expect(first.failed + second.failed).toBe(4 + 3);
    expect(first.recovered + second.recovered).toBe(3);
    for (const job of overdue) expect(await expectSettledOnce(job.id)).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT" });
    for (const job of expired.slice(0, 3)) expect(await expectSettledOnce(job.id)).toMatchObject({ status: "FAILED", errorCode: "WORKER_LOST" });
    for (const job of expired.slice(3)) expect(await expectSettledOnce(job.id)).toMatchObject({ status: "COMPLETED", attempts: 2 });
    await expectConserved(user.id, expect);
  });

  it("many cleanups at once over the same stuck jobs never double-settle", async () => {
    const user = await createUser({ balance: 1_000 });
    const jobs = [];
    for (let i = 0; i < 8; i++) jobs.push((await createTestJob(user.id, { outputs: 1 })).job);
    for (const job of jobs) {
      await db.$executeRaw`UPDATE job SET attempts = ${testConfig.maxAttempts - 1} WHERE id = ${job.id}::uuid`;
      await ghostClaim(job.id);
    }
    const results = await Promise.all(times(6).map(() => runCleanup(db, testConfig)));
    expect(results.reduce((sum, r) => sum + r.failed, 0)).toBe(8);
    expect(results.reduce((sum, r) => sum + r.refunded, 0)).toBe(8);
    for (const job of jobs) await expectSettledOnce(job.id);
    await expectConserved(user.id, expect);
  });
});
