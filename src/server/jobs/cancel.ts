import "server-only";

import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { increment } from "~/server/metrics";
import { money, type JobView } from "~/server/money";
import type { Acting } from "~/server/workspaces/active-workspace";

/**
 * Cancels one of the workspace's active jobs and refunds the outputs it has
 * not delivered, in one transaction (a cancel at 3 of 4 refunds one). A
 * worker still running it notices at its next fenced write (the lease no
 * longer matches) and stops without changing anything. Another user's job
 * is NOT_FOUND, exactly like a job that does not exist (a job's owner never
 * changes, so it is read before the settlement's transaction).
 */
export async function cancelJob(client: Db, acting: Acting, jobId: string, options: { ownJobsOnly?: boolean } = {}): Promise<JobView> {
  const { workspaceId, actorUserId } = acting;
  // A team's MEMBER cancels only their own jobs (SPEC §9); another's is NOT_FOUND.
  const owned = await client.job.findFirst({
    where: { id: jobId, workspaceId, ...(options.ownJobsOnly ? { actorUserId } : {}) },
    select: { id: true },
  });
  if (!owned) throw new AppError("NOT_FOUND", "No such job.");
  const settlement = await money.settleJob(client, {
    jobId,
    accountId: workspaceId,
    status: "CANCELLED",
    guard: { kind: "active" },
    actor: { type: "USER", id: actorUserId },
    errorCode: "CANCELLED_BY_USER",
    errorMessage: "Cancelled by the user.",
  });
  if (!settlement) throw new AppError("JOB_NOT_CANCELLABLE");
  increment("settlements");
  logger.info({ jobId, ...acting, refunded: settlement.refunded }, "job cancelled");
  return settlement.job;
}
