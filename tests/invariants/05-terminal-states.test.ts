import { describe, expect, it } from "vitest";

import { runJob } from "~/server/jobs/run";

import { callerFor, createUser, db, jobRequest, workerDeps } from "../helpers";
import { procedureError, refusedBy } from "../fixtures/errors";
import { jobRow } from "../fixtures/jobs";

// SPEC §3.5 Terminal states are final (database trigger). The late worker's
// writes are covered in tests/faults/late-worker.test.ts.

async function finishedJob(prompt: string, finish: "run" | "cancel") {
  const user = await createUser({ balance: 100 });
  const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2, prompt }));
  if (finish === "run") await runJob(workerDeps(), job.id);
  else await callerFor(user).jobs.cancel({ id: job.id });
  return { user, job: await jobRow(job.id) };
}

function setStatus(jobId: string, status: string) {
  return db.$executeRawUnsafe(`UPDATE job SET status = $1::"JobStatus" WHERE id = $2::uuid`, status, jobId);
}

describe("§3.5 terminal states are final (job_transition trigger)", () => {
  it("FAILED → COMPLETED (or any other status) is refused", async () => {
    const { job } = await finishedJob("doomed #fail", "run");
    expect(job.status).toBe("FAILED");
    for (const status of ["COMPLETED", "PENDING", "PROCESSING", "CANCELLED"]) {
      const refusal = await refusedBy(setStatus(job.id, status));
      expect(refusal.state).toBe("23000");
      expect(refusal.message).toContain("is FAILED and final");
    }
    expect((await jobRow(job.id)).status).toBe("FAILED");
  });

  it("COMPLETED → anything is refused, and so is any other change to a completed job", async () => {
    const { job } = await finishedJob("a quiet harbour", "run");
    expect(job.status).toBe("COMPLETED");
    for (const status of ["FAILED", "CANCELLED", "PENDING", "PROCESSING"]) {
      expect((await refusedBy(setStatus(job.id, status))).message).toContain("is COMPLETED and final");
    }
    const sneaky = await refusedBy(db.$executeRaw`UPDATE job SET refunded_amount = 2, outputs_done = 1 WHERE id = ${job.id}::uuid`);
    expect(sneaky.message).toContain("is COMPLETED and final");
    const after = await jobRow(job.id);
    expect(after).toMatchObject({ status: "COMPLETED", refundedAmount: 0, outputsDone: 2 });
  });

  it("CANCELLED → anything is refused; cancelling again is JOB_NOT_CANCELLABLE", async () => {
    const { user, job } = await finishedJob("a quiet harbour", "cancel");
    for (const status of ["COMPLETED", "FAILED", "PENDING", "PROCESSING"]) {
      expect((await refusedBy(setStatus(job.id, status))).message).toContain("is CANCELLED and final");
    }
    const data = await procedureError(callerFor(user).jobs.cancel({ id: job.id }));
    expect(data.appCode).toBe("JOB_NOT_CANCELLABLE");
    expect(data.httpStatus).toBe(409);
    expect(await db.ledgerEntry.count({ where: { jobId: job.id, kind: "REFUND" } })).toBe(1);
  });

  it("transitions outside SPEC §2 are refused (PENDING → COMPLETED)", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    const refusal = await refusedBy(setStatus(job.id, "COMPLETED"));
    expect(refusal.message).toContain("cannot go from PENDING to COMPLETED");
  });

  it("a worker never claims a finished job", async () => {
    const { job } = await finishedJob("a quiet harbour", "cancel");
    expect(await runJob(workerDeps(), job.id)).toEqual({ kind: "not-claimed" });
    expect(await db.jobOutput.count({ where: { jobId: job.id } })).toBe(0);
  });
});
