import { withTransaction, type Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { jobSelect, type JobView } from "~/server/jobs/job-row";
import { settleJob } from "~/server/jobs/settle";
import { lockUser } from "~/server/ledger/lock-user";
import { logger } from "~/server/logger";

export type ForceFailInput = { adminId: string; jobId: string; reason: string };

export const forceFailErrorCode = "FORCE_FAILED";

/**
 * An admin ends an active job as FAILED and refunds its whole cost, through
 * the one settlement path (`settleJob`, guard "active"), writing the audit
 * row in the same transaction. Exactly once: a second call — or a call that
 * loses a race with a worker, a cancel or the cleanup — finds the job no
 * longer active, gets JOB_NOT_CANCELLABLE and changes nothing.
 */
export async function forceFailJob(client: Db, input: ForceFailInput): Promise<{ job: JobView; refunded: number }> {
  const result = await withTransaction(client, { label: "admin.forceFail" }, async (tx) => {
    const owner = await tx.job.findUnique({ where: { id: input.jobId }, select: { userId: true } });
    if (!owner) throw new AppError("NOT_FOUND", "No such job.");
    // Lock order as everywhere: the user row, then the job row. The "before"
    // of the audit is read under both locks, so it is what settleJob changed.
    await lockUser(tx, owner.userId);
    const before = await tx.$queryRaw<{ status: string; refundedAmount: number; outputsDone: number; leaseOwner: string | null }[]>`
      SELECT status::text AS status, refunded_amount AS "refundedAmount", outputs_done AS "outputsDone",
        lease_owner AS "leaseOwner"
      FROM job WHERE id = ${input.jobId}::uuid FOR UPDATE`;
    const settlement = await settleJob(tx, {
      jobId: input.jobId,
      status: "FAILED",
      guard: { kind: "active" },
      actor: { type: "ADMIN", id: input.adminId },
      errorCode: forceFailErrorCode,
      errorMessage: `Failed by an admin: ${input.reason}`,
    });
    if (!settlement) throw new AppError("JOB_NOT_CANCELLABLE", "This job has already finished.");
    await tx.adminAudit.create({
      data: {
        adminId: input.adminId,
        action: "job.force-fail",
        targetUserId: settlement.userId,
        targetJobId: input.jobId,
        reason: input.reason,
        before: before[0] ?? {},
        after: { status: settlement.status, refundedAmount: settlement.refunded, leaseOwner: null },
      },
    });
    const job = await tx.job.findUniqueOrThrow({ where: { id: input.jobId }, select: jobSelect });
    return { job, refunded: settlement.refunded };
  });
  logger.info({ jobId: input.jobId, userId: result.job.userId, adminId: input.adminId, refunded: result.refunded }, "job force-failed by an admin");
  return result;
}
