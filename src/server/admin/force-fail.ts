import { withAccountTransaction, type Db } from "~/server/db";
import { AppError } from "~/server/errors";
import type { JobView } from "~/server/jobs/job-row";
import { settleJob } from "~/server/jobs/settle";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";

export type ForceFailInput = { adminId: string; jobId: string; reason: string; goodwill: boolean };

export const forceFailErrorCode = "FORCE_FAILED";

/**
 * An admin ends an active job as FAILED through the one settlement path
 * (`settleJob`, guard "active"): the outputs it did not deliver come back,
 * or — when the admin chooses goodwill — the whole cost, said so in the
 * ledger reason. The audit row is written in the same transaction. Exactly
 * once: a second call — or a call that loses a race with a worker, a cancel
 * or the cleanup — finds the job no longer active, gets JOB_NOT_CANCELLABLE
 * and changes nothing.
 */
export async function forceFailJob(client: Db, input: ForceFailInput): Promise<{ job: JobView; refunded: number }> {
  const owner = await client.job.findUnique({ where: { id: input.jobId }, select: { userId: true } });
  if (!owner) throw new AppError("NOT_FOUND", "No such job.");
  const result = await withAccountTransaction(client, { label: "admin.forceFail", accountId: owner.userId }, async (tx) => {
    const before = await tx.$queryRaw<{ status: string; refundedAmount: number; outputsDone: number; leaseOwner: string | null }[]>`
      SELECT status::text AS status, refunded_amount AS "refundedAmount", outputs_done AS "outputsDone",
        lease_owner AS "leaseOwner"
      FROM job WHERE id = ${input.jobId}::uuid`;
    const settlement = await settleJob(tx, {
      jobId: input.jobId,
      status: "FAILED",
      guard: { kind: "active" },
      actor: { type: "ADMIN", id: input.adminId },
      errorCode: forceFailErrorCode,
      errorMessage: `Failed by an admin: ${input.reason}`,
      goodwill: input.goodwill,
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
        after: { status: settlement.status, refundedAmount: settlement.refunded, goodwill: input.goodwill, leaseOwner: null },
      },
    });
    return { job: settlement.job, refunded: settlement.refunded };
  });
  increment("settlements");
  logger.info(
    { jobId: input.jobId, userId: result.job.userId, adminId: input.adminId, refunded: result.refunded, goodwill: input.goodwill },
    "job force-failed by an admin",
  );
  return result;
}
