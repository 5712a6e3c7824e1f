import { describe, expect, it } from "vitest";

import { workerBatches } from "~/server/jobs/batches";
import { runJob } from "~/server/jobs/run";
import { money, jobsPerCallMax } from "~/server/money";
import { accountState, callerFor, createUser, db, expectConserved, jobRequest, testConfig, workerDeps } from "../helpers";

/** The deps of one worker pool whose claims and delivering finishes go in batches, as `startWorker` builds them. */
function batchedDeps() {
  const deps = workerDeps();
  return { ...deps, batches: workerBatches(db, { workerId: deps.workerId, leaseMs: testConfig.leaseMs, maxAttempts: testConfig.maxAttempts }) };
}

async function createJobs(count: number, request: Partial<Parameters<typeof jobRequest>[0]> = {}) {
  const users = await Promise.all(Array.from({ length: count }, () => createUser({ balance: 50 })));
  const jobs = [];
  for (const user of users) jobs.push({ user, job: (await callerFor(user).jobs.create(jobRequest({ outputs: 2, ...request }))).job });
  return jobs;
}

describe("a worker's batched claims and finishes", () => {
  it("runs jobs of many accounts started together to COMPLETED, each charged once and refunded nothing, with the timeline of a lone run", async () => {
    const jobs = await createJobs(jobsPerCallMax + 4);
    const deps = batchedDeps();
    const outcomes = await Promise.all(jobs.map(({ job }) => runJob(deps, job.id)));
    expect(outcomes.every((outcome) => outcome.kind === "settled" && outcome.settlement?.status === "COMPLETED")).toBe(true);
    for (const { user, job } of jobs) {
      const finished = await callerFor(user).jobs.get({ id: job.id });
      expect(finished.status).toBe("COMPLETED");
      expect(finished.outputsDone).toBe(2);
      expect(finished.outputs.map((output) => output.index).sort()).toEqual([0, 1]);
      expect(finished.refundedAmount).toBe(0);
      expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).leaseOwner).toBeNull();
      expect((await accountState(user.id)).balance).toBe(46);
      await expectConserved(user.id, expect);
      const events = await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } });
      expect(events.map((event) => event.type)).toEqual(["created", "claimed", "output", "output", "settled"]);
    }
  });

  it("claims a job named twice in one batch once, and leaves a job it cannot claim to whoever has it", async () => {
    const [first, second] = await createJobs(2);
    const deps = batchedDeps();
    const other = workerDeps();
    await money.claimJobs(db, { jobIds: [second!.job.id], workerId: other.workerId, leaseMs: testConfig.leaseMs, maxAttempts: testConfig.maxAttempts });
    const claims = await Promise.all([deps.batches.claim(first!.job.id), deps.batches.claim(first!.job.id), deps.batches.claim(second!.job.id)]);
    expect(claims.map((job) => job?.id ?? null)).toEqual([first!.job.id, null, null]);
    const row = await db.job.findUniqueOrThrow({ where: { id: second!.job.id } });
    expect(row.leaseOwner).toBe(other.workerId);
    expect(row.attempts).toBe(1);
  });

  it("settles the jobs whose lease holds and changes nothing of one whose lease was lost", async () => {
    const jobs = await createJobs(3, { outputs: 1 });
    const deps = batchedDeps();
    const claimed = await Promise.all(jobs.map(({ job }) => deps.batches.claim(job.id)));
    expect(claimed.every((job) => job !== null)).toBe(true);
    // The cleanup recovered the second job meanwhile: its lease is another's.
    await db.job.update({ where: { id: jobs[1]!.job.id }, data: { leaseOwner: "someone-else" } });
    const output = { index: 0, ok: true, mimeType: "text/plain", content: "done", error: null };
    const outcomes = await Promise.all(jobs.map(({ user, job }) => deps.batches.finishDelivering({ jobId: job.id, accountId: user.id, outputs: [output] })));
    expect(outcomes).toEqual(["SETTLED", "LEASE_LOST", "SETTLED"]);
    const rows = await db.job.findMany({ where: { id: { in: jobs.map(({ job }) => job.id) } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(jobs[0]!.job.id)!.status).toBe("COMPLETED");
    expect(byId.get(jobs[1]!.job.id)!.status).toBe("PROCESSING");
    expect(byId.get(jobs[1]!.job.id)!.outputsDone).toBe(0);
    expect(await db.jobOutput.count({ where: { jobId: jobs[1]!.job.id } })).toBe(0);
    expect(byId.get(jobs[2]!.job.id)!.status).toBe("COMPLETED");
  });

  it("leaves a finish that would refund to the lone settlement (REFUNDS): nothing written", async () => {
    const [only] = await createJobs(1, { outputs: 2 });
    const deps = batchedDeps();
    await deps.batches.claim(only!.job.id);
    const output = { index: 0, ok: true, mimeType: "text/plain", content: "half", error: null };
    const outcome = await deps.batches.finishDelivering({ jobId: only!.job.id, accountId: only!.user.id, outputs: [output] });
    expect(outcome).toBe("REFUNDS");
    const row = await db.job.findUniqueOrThrow({ where: { id: only!.job.id } });
    expect(row.status).toBe("PROCESSING");
    expect(await db.jobOutput.count({ where: { jobId: only!.job.id } })).toBe(0);
  });

  it("a finish that makes the batch's statement fail fails alone: the others of its batch settle", async () => {
    const jobs = await createJobs(3, { outputs: 1 });
    const deps = batchedDeps();
    await Promise.all(jobs.map(({ job }) => deps.batches.claim(job.id)));
    const output = (index: number) => ({ index, ok: true, mimeType: "text/plain", content: "done", error: null });
    // Index 9 is outside every job's outputs: job_output_index_range refuses it.
    const outcomes = await Promise.allSettled(jobs.map(({ user, job }, n) =>
      deps.batches.finishDelivering({ jobId: job.id, accountId: user.id, outputs: [output(n === 1 ? 9 : 0)] })));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const rows = await db.job.findMany({ where: { id: { in: jobs.map(({ job }) => job.id) } }, select: { id: true, status: true } });
    const statusOf = new Map(rows.map((row) => [row.id, row.status]));
    expect(jobs.map(({ job }) => statusOf.get(job.id))).toEqual(["COMPLETED", "PROCESSING", "COMPLETED"]);
  });
});
