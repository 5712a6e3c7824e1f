import { describe, expect, it } from "vitest";

import { withTransaction } from "~/server/db";
import { runJob } from "~/server/jobs/run";
import { settleJob } from "~/server/jobs/settle";

import { accountState, callerFor, createUser, db, expectConserved, jobRequest, workerDeps } from "../helpers";
import { refusedBy } from "../fixtures/errors";
import { jobLedger, jobRow } from "../fixtures/jobs";
import { writeRawEntry } from "../fixtures/raw-ledger";

// SPEC §3.4 At most one refund per job, never more than the charge, equal to
// the cost of the outputs not delivered (unique index).
// (#fail-output-2 on 4 outputs → 3 outputs + one price back: tests/jobs/lifecycle.test.ts.)

async function runToEnd(userId: string, request: ReturnType<typeof jobRequest>) {
  const user = { id: userId, email: "", name: "", role: "USER" as const };
  const { job } = await callerFor(user).jobs.create(request);
  await runJob(workerDeps(), job.id);
  return { row: await jobRow(job.id), ledger: await jobLedger(job.id) };
}

describe("§3.4 at most one refund per job, equal to what was not delivered", () => {
  it("two failed outputs of four (canvas-v1, 5 each) → COMPLETED with 2 outputs and one refund of 10", async () => {
    const user = await createUser({ balance: 100 });
    const { row, ledger } = await runToEnd(user.id, jobRequest({ modelId: "canvas-v1", outputs: 4, prompt: "a #fail-output-1 #fail-output-3" }));
    expect(row.status).toBe("COMPLETED");
    expect(row.outputsDone).toBe(2);
    expect(row.outputsFailed).toBe(2);
    expect(row.refundedAmount).toBe(10);
    expect(ledger.charges.map((e) => e.amount)).toEqual([-20]);
    expect(ledger.refunds.map((e) => e.amount)).toEqual([10]);
    await expectConserved(user.id, expect);
  });

  it("every output failing → FAILED (ALL_OUTPUTS_FAILED) and the whole cost back, once", async () => {
    const user = await createUser({ balance: 100 });
    const { row, ledger } = await runToEnd(user.id, jobRequest({ modelId: "pose-pack-v1", outputs: 2, prompt: "#fail-output-1 #fail-output-2" }));
    expect(row.status).toBe("FAILED");
    expect(row.errorCode).toBe("ALL_OUTPUTS_FAILED");
    expect(ledger.refunds.map((e) => e.amount)).toEqual([6]);
    expect((await accountState(user.id)).balance).toBe(100);
  });

  it("a fully delivered job has no refund entry at all", async () => {
    const user = await createUser({ balance: 100 });
    const { row, ledger } = await runToEnd(user.id, jobRequest({ outputs: 4 }));
    expect(row.status).toBe("COMPLETED");
    expect(row.refundedAmount).toBe(0);
    expect(ledger.refunds).toHaveLength(0);
  });

  it("settling an already settled job again (any guard) changes nothing", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    await callerFor(user).jobs.cancel({ id: job.id });
    for (const guard of [{ kind: "active" }, { kind: "overdue" }, { kind: "lease-expired" }] as const) {
      const again = await withTransaction(db, { label: "test" }, (tx) =>
        settleJob(tx, { jobId: job.id, status: "FAILED", guard, actor: { type: "SYSTEM", id: "test" } }),
      );
      expect(again).toBeNull();
    }
    expect((await jobLedger(job.id)).refunds.map((e) => e.amount)).toEqual([4]);
    expect((await jobRow(job.id)).status).toBe("CANCELLED");
    await expectConserved(user.id, expect);
  });

  it("the unique index refuses a second REFUND for a job", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    await callerFor(user).jobs.cancel({ id: job.id });
    const balance = (await accountState(user.id)).balance;
    const refusal = await refusedBy(writeRawEntry(
      { userId: user.id, kind: "REFUND", amount: 4, balanceBefore: balance, balanceAfter: balance + 4, jobId: job.id, reason: "refunded twice" },
      { setBalance: balance + 4 },
    ));
    expect(refusal.state).toBe("23505");
    expect(refusal.message).toContain("ledger_entry_one_refund_per_job");
    expect((await accountState(user.id)).balance).toBe(balance);
  });

  it("a refund larger than the job's cost is refused (job_refund_range)", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    const refusal = await refusedBy(db.$executeRaw`
      UPDATE job SET status = 'CANCELLED', refunded_amount = total_cost + 1 WHERE id = ${job.id}::uuid`);
    expect(refusal.message).toContain("job_refund_range");
  });
});
