import type { Tx } from "~/server/db";
import { assert } from "~/server/errors";
import type { LockedUser } from "~/server/ledger/lock-user";
import { postEntry, type Actor, type LedgerEntryRow } from "~/server/ledger/post-entry";

/**
 * Refunds the undelivered part of a job, in the transaction that moves the
 * job to its terminal state (so it can happen once: the status update is the
 * guard, and the unique index `ledger_entry_one_refund_per_job` the proof).
 */
export async function refundJob(
  tx: Tx,
  user: LockedUser,
  input: { jobId: string; amount: number; totalCost: number; actor: Actor; reason: string },
): Promise<LedgerEntryRow> {
  assert(input.amount > 0 && input.amount <= input.totalCost, "a refund is positive and at most the charge");
  return postEntry(tx, user, {
    kind: "REFUND",
    amount: input.amount,
    jobId: input.jobId,
    actor: input.actor,
    reason: input.reason,
  });
}
