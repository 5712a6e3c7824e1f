import { describe, expect, it } from "vitest";

import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";
import { createSandboxProvider } from "~/server/providers";
import type { GenerationProvider } from "~/server/providers/types";

import { createUser, db, expectConserved, testConfig, workerDeps } from "../helpers";
import { refusedBy } from "../fixtures/errors";
import { createTestJob, ghostClaim, jobLedger, jobOutputs, jobRow } from "../fixtures/jobs";

// SPEC §3.9 No duplicate outputs, across retries and recoveries. (After a
// real SIGKILL: tests/faults/worker-sigkill.test.ts.)

/** The sandbox provider, remembering which output indexes it was asked for. */
function recordingProvider(latencyMs = 0) {
  const inner = createSandboxProvider({ latencyMs });
  const asked: number[] = [];
  const provider: GenerationProvider = {
    name: "recording-sandbox",
    generate(request) {
      asked.push(request.index);
      return inner.generate(request);
    },
  };
  return { provider, asked };
}

describe("§3.9 no duplicate outputs", () => {
  it("the unique (job, index) index refuses a second output with the same index", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { outputs: 2 });
    await runJob(workerDeps(), job.id);
    const refusal = await refusedBy(db.jobOutput.create({
      data: { jobId: job.id, index: 0, status: "COMPLETED", mimeType: "text/plain", content: "again", workerId: "intruder" },
    }));
    expect(refusal.state).toBe("23505");
    expect(refusal.message).toContain("job_output_job_id_index_key");
    expect(await db.jobOutput.count({ where: { jobId: job.id } })).toBe(2);
  });

  it("outputs are write-once: UPDATE and DELETE are refused", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { outputs: 1 });
    await runJob(workerDeps(), job.id);
    const update = await refusedBy(db.$executeRaw`UPDATE job_output SET content = 'rewritten' WHERE job_id = ${job.id}::uuid`);
    expect(update.message).toContain("job_output is write-once: UPDATE refused");
    const remove = await refusedBy(db.$executeRaw`DELETE FROM job_output WHERE job_id = ${job.id}::uuid`);
    expect(remove.message).toContain("job_output is write-once: DELETE refused");
  });

  it("a recovered job generates only the missing outputs and keeps the ones it had", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { outputs: 4 });
    // A first worker delivered outputs 0 and 2, then died.
    await ghostClaim(job.id, { workerId: "first-worker" });
    for (const index of [0, 2]) {
      await db.$transaction([
        db.jobOutput.create({ data: { jobId: job.id, index, status: "COMPLETED", mimeType: "text/plain", content: `first ${index}`, workerId: "first-worker" } }),
        db.job.update({ where: { id: job.id }, data: { outputsDone: { increment: 1 } } }),
      ]);
    }
    expect(await runCleanup(db, testConfig)).toMatchObject({ recovered: 1 });

    const { provider, asked } = recordingProvider();
    await runJob(workerDeps({ provider }), job.id);
    expect(asked).toEqual([1, 3]);
    const outputs = await jobOutputs(job.id);
    expect(outputs.map((o) => o.index)).toEqual([0, 1, 2, 3]);
    expect(outputs.filter((o) => o.workerId === "first-worker").map((o) => o.content)).toEqual(["first 0", "first 2"]);
    expect(await jobRow(job.id)).toMatchObject({ status: "COMPLETED", outputsDone: 4, attempts: 2, refundedAmount: 0 });
    expect((await jobLedger(job.id)).refunds).toHaveLength(0);
    await expectConserved(user.id, expect);
  });

  it("two workers delivered the same job at once (duplicate queue delivery): one claims, one set of outputs", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { outputs: 4 });
    const a = recordingProvider(5);
    const b = recordingProvider(5);
    const outcomes = await Promise.all([
      runJob(workerDeps({ provider: a.provider }), job.id),
      runJob(workerDeps({ provider: b.provider }), job.id),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(["not-claimed", "settled"]);
    expect([...a.asked, ...b.asked].sort()).toEqual([0, 1, 2, 3]);
    expect((await jobOutputs(job.id)).map((o) => o.index)).toEqual([0, 1, 2, 3]);
    expect(await runJob(workerDeps(), job.id)).toEqual({ kind: "not-claimed" });
    expect(await db.jobOutput.count({ where: { jobId: job.id } })).toBe(4);
  });
});
