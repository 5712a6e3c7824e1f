import { Prisma, type Tx } from "~/server/db";
import { assert } from "~/server/errors";
import { lockUser } from "~/server/ledger/lock-user";
import type { Actor } from "~/server/ledger/post-entry";
import { refundJob } from "~/server/ledger/refund";
import { recordJobEvent } from "~/server/jobs/events";
import { increment } from "~/server/metrics";

export type FinalStatus = "COMPLETED" | "FAILED" | "CANCELLED";

/**
 * Which state the job must still be in for this settlement to apply. The
 * condition is part of the UPDATE, so of two racing settlements exactly one
 * matches the row; the other changes nothing.
 */
export type SettleGuard =
  | { kind: "lease"; workerId: string }
  | { kind: "active" }
  | { kind: "overdue" }
  | { kind: "lease-expired" };

export type SettleInput = {
  jobId: string;
  status: FinalStatus;
  guard: SettleGuard;
  actor: Actor;
  errorCode?: string | null;
  errorMessage?: string | null;
  workerId?: string | null;
};

export type Settlement = { jobId: string; userId: string; status: FinalStatus; refunded: number };

function guardSql(guard: SettleGuard): Prisma.Sql {
  switch (guard.kind) {
    case "lease":
      return Prisma.sql`status = 'PROCESSING' AND lease_owner = ${guard.workerId}`;
    case "active":
      return Prisma.sql`status IN ('PENDING', 'PROCESSING')`;
    case "overdue":
      return Prisma.sql`status IN ('PENDING', 'PROCESSING') AND deadline_at < clock_timestamp()`;
    case "lease-expired":
      return Prisma.sql`status = 'PROCESSING' AND lease_expires_at < clock_timestamp()`;
  }
}

/**
 * Moves a job to its terminal state and refunds what was not delivered, in
 * one transaction (the caller's): the whole cost for a failed or cancelled
 * job, (requested − done) × price for a completed one. Returns null when the
 * guard no longer matches (someone else settled it first): then nothing was
 * written. This is the only place a job ends.
 */
export async function settleJob(tx: Tx, input: SettleInput): Promise<Settlement | null> {
  const owner = await tx.job.findUnique({ where: { id: input.jobId }, select: { userId: true } });
  if (!owner) return null;
  const user = await lockUser(tx, owner.userId);
  const rows = await tx.$queryRaw<{ refunded: number; totalCost: number; userId: string }[]>`
    UPDATE job SET
      status = ${input.status}::"JobStatus",
      refunded_amount = CASE WHEN ${input.status} = 'COMPLETED'
        THEN (outputs_requested - outputs_done) * price_per_output ELSE total_cost END,
      error_code = ${input.errorCode ?? null},
      error_message = ${input.errorMessage ?? null},
      lease_owner = NULL,
      lease_expires_at = NULL,
      finished_at = clock_timestamp(),
      updated_at = clock_timestamp()
    WHERE id = ${input.jobId}::uuid AND ${guardSql(input.guard)}
    RETURNING refunded_amount AS refunded, total_cost AS "totalCost", user_id AS "userId"`;
  const settled = rows[0];
  if (!settled) return null;
  assert(settled.userId === user.id, "the locked user owns the job");
  if (settled.refunded > 0) {
    await refundJob(tx, user, {
      jobId: input.jobId,
      amount: settled.refunded,
      totalCost: settled.totalCost,
      actor: input.actor,
      reason: refundReason(input.status, input.errorCode),
    });
  }
  await recordJobEvent(tx, input.jobId, "settled", input.workerId ?? null, {
    status: input.status,
    refunded: settled.refunded,
    errorCode: input.errorCode ?? null,
  });
  increment("settlements");
  return { jobId: input.jobId, userId: user.id, status: input.status, refunded: settled.refunded };
}

function refundReason(status: FinalStatus, errorCode: string | null | undefined): string {
  if (status === "COMPLETED") return "Undelivered outputs";
  if (status === "CANCELLED") return "Job cancelled";
  return `Job failed${errorCode ? ` (${errorCode})` : ""}`;
}
