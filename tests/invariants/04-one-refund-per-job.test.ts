import { describe, expect, it } from "vitest";

import { withTransaction } from "~/server/db";
import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";

import { accountState, callerFor, createUser, db, expectConserved, jobRequest, testConfig, workerDeps } from "../helpers";
import { refusedBy } from "../fixtures/errors";
import { createTestJob, jobLedger, jobRow, pastDeadlines } from "../fixtures/jobs";
import { writeRawEntry } from "../fixtures/raw-ledger";
import { money } from "~/server/money";

// SPEC §3.4 At most one refund per job, never more than the charge, equal to
// the cost of the outputs not delivered (unique index); a goodwill force-fail
// refunds the whole cost. Fair settlement (SPEC §2): outputs the user
// received are paid for, whatever ended the job.
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
      const again = await money.settleJob(db, { jobId: job.id, accountId: user.id, status: "FAILED", guard, actor: { type: "SYSTEM", id: "test" } });
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

  it("a refund larger than the job's cost is refused (job_refund_range, job_refund_fair)", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    const refusal = await refusedBy(db.$executeRaw`
      UPDATE job SET status = 'CANCELLED', refunded_amount = total_cost + 1 WHERE id = ${job.id}::uuid`);
    expect(refusal.message).toMatch(/job_refund_range|job_refund_fair/);
  });

  it("a cancel at 3 of 4 delivered outputs refunds one output: the three delivered are paid for", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ modelId: "canvas-v1", outputs: 4 }));
    await deliverOutputs(job.id, 3);
    const cancelled = await callerFor(user).jobs.cancel({ id: job.id });
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.refundedAmount).toBe(5);
    expect((await jobLedger(job.id)).refunds.map((e) => e.amount)).toEqual([5]);
    expect((await accountState(user.id)).balance).toBe(100 - 15);
    await expectConserved(user.id, expect);
  });

  it("a job failed by the cleanup after 2 of 4 outputs refunds the 2 not delivered", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ modelId: "canvas-v1", outputs: 4 }));
    await deliverOutputs(job.id, 2);
    await db.$executeRaw`UPDATE job SET deadline_at = now() - interval '1 second' WHERE id = ${job.id}::uuid`;
    const { runCleanup } = await import("~/server/jobs/cleanup");
    await runCleanup(db, { ...testConfig, cleanupBatchMax: 10 });
    const row = await jobRow(job.id);
    expect(row.status).toBe("FAILED");
    expect(row.errorCode).toBe("TIMEOUT");
    expect(row.refundedAmount).toBe(10);
    expect((await jobLedger(job.id)).refunds.map((e) => e.amount)).toEqual([10]);
    await expectConserved(user.id, expect);
  });

  it("an admin's force-fail refunds the undelivered outputs, or the whole cost as goodwill (said in the reason)", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 100 });
    const fair = (await callerFor(user).jobs.create(jobRequest({ modelId: "canvas-v1", outputs: 4 }))).job;
    const goodwill = (await callerFor(user).jobs.create(jobRequest({ modelId: "canvas-v1", outputs: 4 }))).job;
    await deliverOutputs(fair.id, 1);
    await deliverOutputs(goodwill.id, 1);
    const adminCaller = callerFor(admin);
    expect((await adminCaller.admin.forceFail({ id: fair.id, reason: "stuck provider" })).refunded).toBe(15);
    expect((await adminCaller.admin.forceFail({ id: goodwill.id, reason: "our fault", goodwill: true })).refunded).toBe(20);
    const [fairRefund] = (await jobLedger(fair.id)).refunds;
    const [goodwillRefund] = (await jobLedger(goodwill.id)).refunds;
    expect(fairRefund?.amount).toBe(15);
    expect(goodwillRefund?.amount).toBe(20);
    expect(goodwillRefund?.reason).toMatch(/goodwill/i);
    expect(fairRefund?.reason).not.toMatch(/goodwill/i);
    await expectConserved(user.id, expect);
  });

  it("every way a job ends writes its refund reason and error message from one place in SQL", async () => {
    const user = await createUser({ balance: 200 });
    const admin = await createUser({ role: "ADMIN" });
    const reasonOf = async (jobId: string) => (await jobLedger(jobId)).refunds[0]?.reason;
    const texts = async (status: string, code: string | null, goodwill: boolean) => {
      const [row] = await db.$queryRaw<{ reason: string; message: string | null }[]>`
        SELECT cw_refund_reason(${status}::"JobStatus", ${code}, ${goodwill}) AS reason, cw_job_error_message(${code}) AS message`;
      return row!;
    };
    // A cancel, an admin's force-fail (fair and goodwill), a worker's finish with failed outputs, a timeout.
    const cancelled = (await callerFor(user).jobs.create(jobRequest({ outputs: 2 }))).job;
    await callerFor(user).jobs.cancel({ id: cancelled.id });
    expect(await reasonOf(cancelled.id)).toBe((await texts("CANCELLED", "CANCELLED_BY_USER", false)).reason);
    const forced = (await callerFor(user).jobs.create(jobRequest({ outputs: 2 }))).job;
    await callerFor(admin).admin.forceFail({ id: forced.id, reason: "stuck provider" });
    expect(await reasonOf(forced.id)).toBe((await texts("FAILED", "FORCE_FAILED", false)).reason);
    const goodwill = (await callerFor(user).jobs.create(jobRequest({ outputs: 2 }))).job;
    await callerFor(admin).admin.forceFail({ id: goodwill.id, reason: "our fault", goodwill: true });
    expect(await reasonOf(goodwill.id)).toBe((await texts("FAILED", "FORCE_FAILED", true)).reason);
    const partly = (await callerFor(user).jobs.create(jobRequest({ outputs: 3, prompt: "#fail-output-2" }))).job;
    await runJob(workerDeps(), partly.id);
    expect(await reasonOf(partly.id)).toBe((await texts("COMPLETED", null, false)).reason);
    const failing = (await callerFor(user).jobs.create(jobRequest({ outputs: 2, prompt: "#fail" }))).job;
    await runJob(workerDeps(), failing.id);
    const failedRow = await jobRow(failing.id);
    expect(await reasonOf(failing.id)).toBe((await texts("FAILED", failedRow.errorCode, false)).reason);
    const late = await createTestJob(user.id, { outputs: 1 }, { jobTimeoutMs: 1_000 });
    await pastDeadlines([late.job.id]);
    await runCleanup(db, testConfig);
    const timedOut = await jobRow(late.job.id);
    const timeout = await texts("FAILED", "TIMEOUT", false);
    expect([await reasonOf(late.job.id), timedOut.errorMessage]).toEqual([timeout.reason, timeout.message]);
    expect(timeout).toEqual({ reason: "Job failed (TIMEOUT): undelivered outputs", message: "The job did not finish before its deadline." });
    await expectConserved(user.id, expect);
  });

  it("the database refuses a settlement that refunds delivered outputs without goodwill (job_refund_fair)", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ modelId: "canvas-v1", outputs: 4 }));
    await deliverOutputs(job.id, 2);
    const refusal = await refusedBy(db.$executeRaw`
      UPDATE job SET status = 'CANCELLED', refunded_amount = total_cost, lease_owner = NULL, lease_expires_at = NULL
      WHERE id = ${job.id}::uuid`);
    expect(refusal.message).toContain("job_refund_fair");
  });
});

/** Delivers `count` outputs of a job as its worker would (claim, then fenced writes), leaving it PROCESSING. */
async function deliverOutputs(jobId: string, count: number): Promise<void> {
  const workerId = `partial-${jobId.slice(0, 8)}`;
  await withTransaction(db, { label: "test.claim" }, (tx) =>
    tx.$queryRaw`SELECT (r.j).id FROM cw_claim_job(${jobId}::uuid, ${workerId}, 60000, 3) AS r`);
  const indexes = Array.from({ length: count }, (_, index) => index);
  await withTransaction(db, { label: "test.outputs" }, (tx) => tx.$queryRaw`
    SELECT cw_write_outputs(${jobId}::uuid, ${workerId}, 60000, ${indexes}::int[], ${indexes.map(() => true)}::boolean[],
      ${indexes.map(() => "text/plain")}::text[], ${indexes.map((index) => `output ${index}`)}::text[],
      ${indexes.map(() => null)}::text[])`);
}
