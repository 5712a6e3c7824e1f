import "server-only";

import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";
import { money, type JobView } from "~/server/money";
import { personalOwnerIdOf } from "~/server/workspaces/active-workspace";
import type { AuditAction } from "~/shared/schemas/admin";

export type ForceFailInput = { adminId: string; jobId: string; reason: string; goodwill: boolean };

export const forceFailErrorCode = "FORCE_FAILED";

/**
 * An admin ends an active job as FAILED through the one settlement path
 * (the money door's `settleJob`, guard "active"): the outputs it did not deliver come back,
 * or — when the admin chooses goodwill — the whole cost, said so in the
 * ledger reason. The audit row is written in the same transaction. Exactly
 * once: a second call — or a call that loses a race with a worker, a cancel
 * or the cleanup — finds the job no longer active, gets JOB_NOT_CANCELLABLE
 * and changes nothing.
 */
export async function forceFailJob(client: Db, input: ForceFailInput): Promise<{ job: JobView; refunded: number }> {
  const owner = await client.job.findUnique({ where: { id: input.jobId }, select: { workspaceId: true } });
  if (!owner) throw new AppError("NOT_FOUND", "No such job.");
  const settlement = await money.settleJob(
    client,
    {
      jobId: input.jobId,
      accountId: owner.workspaceId,
      status: "FAILED",
      guard: { kind: "active" },
      actor: { type: "ADMIN", id: input.adminId },
      errorCode: forceFailErrorCode,
      errorMessage: `Failed by an admin: ${input.reason}`,
      goodwill: input.goodwill,
    },
    {
      before: async (tx) => {
        const rows = await tx.$queryRaw<{ status: string; refundedAmount: number; outputsDone: number; leaseOwner: string | null }[]>`
          SELECT status::text AS status, refunded_amount AS "refundedAmount", outputs_done AS "outputsDone",
            lease_owner AS "leaseOwner"
          FROM job WHERE id = ${input.jobId}::uuid`;
        return rows[0] ?? {};
      },
      alsoCommit: async (tx, settled, before) => {
        await tx.adminAudit.create({
          data: {
            adminId: input.adminId,
            action: "job.force-fail" satisfies AuditAction,
            targetUserId: personalOwnerIdOf(settled.workspaceId),
            targetJobId: input.jobId,
            reason: input.reason,
            before,
            after: { status: settled.status, refundedAmount: settled.refunded, goodwill: input.goodwill, leaseOwner: null },
          },
        });
      },
    },
  );
  if (!settlement) throw new AppError("JOB_NOT_CANCELLABLE", "This job has already finished.");
  const result = { job: settlement.job, refunded: settlement.refunded };
  increment("settlements");
  logger.info(
    { jobId: input.jobId, workspaceId: result.job.workspaceId, adminId: input.adminId, refunded: result.refunded, goodwill: input.goodwill },
    "job force-failed by an admin",
  );
  return result;
}
