import type { Tx } from "~/server/db";
import { assert } from "~/server/errors";
import type { LockedUser } from "~/server/ledger/lock-user";
import { postEntry, type LedgerEntryRow } from "~/server/ledger/post-entry";

/**
 * Charges a job's full cost, in the transaction that creates the job. The
 * unique index `ledger_entry_one_charge_per_job` makes a second charge for
 * the same job impossible.
 */
export async function chargeJob(
  tx: Tx,
  user: LockedUser,
  job: { id: string; totalCost: number },
): Promise<LedgerEntryRow> {
  assert(job.totalCost > 0, "a job costs something");
  return postEntry(tx, user, {
    kind: "CHARGE",
    amount: -job.totalCost,
    jobId: job.id,
    actor: { type: "USER", id: user.id },
    reason: "Generation job",
  });
}
