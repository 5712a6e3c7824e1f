import "server-only";

import type { Db, Tx } from "~/server/db";
import { assert } from "~/server/errors";
import { jobViewColumnsOf, type JobView } from "~/server/money/job-view";
import { accountTransaction } from "~/server/money/shapes";
import type { Actor } from "~/server/money/types";

export type FinalStatus = "COMPLETED" | "FAILED" | "CANCELLED";

/**
 * Which state the job must still be in for this settlement to apply. The
 * condition is checked in the settling transaction (SERIALIZABLE), so of two
 * racing settlements exactly one applies; the other changes nothing.
 */
export type SettleGuard =
  | { kind: "lease"; workerId: string }
  | { kind: "active" }
  | { kind: "overdue" }
  | { kind: "lease-expired" };

export type SettleInput = {
  jobId: string;
  /** The job's owner: its account's money transactions are ordered. */
  accountId: string;
  status: FinalStatus;
  guard: SettleGuard;
  actor: Actor;
  errorCode?: string | null;
  errorMessage?: string | null;
  workerId?: string | null;
  /** An admin's goodwill force-fail: the whole cost back, said in the ledger reason (which the SQL writes). */
  goodwill?: boolean;
};

export type Settlement = { jobId: string; workspaceId: string; status: FinalStatus; refunded: number; job: JobView };

type SettleRow = JobView & { settled: boolean; refunded: number };

const settledJobColumns = jobViewColumnsOf("(r.j)");

/** What commits with a settlement: read first (`before`), written after (`alsoCommit`), in its transaction. */
export type SettleHooks<Before> = {
  before?: (tx: Tx) => Promise<Before>;
  alsoCommit?: (tx: Tx, settlement: Settlement, before: Before) => Promise<void>;
};

/**
 * Moves a job to its terminal state and refunds the outputs it did not
 * deliver — (requested − delivered) × price, whatever ended it — or, for an
 * admin's goodwill force-fail, the whole cost, through `cw_settle_job` (the
 * only place a job ends), in an interactive SERIALIZABLE transaction of the
 * owner's account with what the hooks read and write (an admin's audit row).
 * Returns null when the guard no longer holds (someone else settled it
 * first): then nothing was written and `alsoCommit` is not called. Metrics
 * are the caller's, after the commit (a retried transaction runs twice).
 */
export async function settleJob<Before = undefined>(client: Db, input: SettleInput, hooks: SettleHooks<Before> = {}): Promise<Settlement | null> {
  return accountTransaction(client, { label: "jobs.settle", accountId: input.accountId }, async (tx) => {
    const before = (await hooks.before?.(tx)) as Before;
    const settlement = await callSettleJob(tx, input);
    if (settlement && hooks.alsoCommit) await hooks.alsoCommit(tx, settlement, before);
    return settlement;
  });
}

async function callSettleJob(tx: Tx, input: SettleInput): Promise<Settlement | null> {
  const workerId = input.guard.kind === "lease" ? input.guard.workerId : (input.workerId ?? null);
  const goodwill = input.goodwill ?? false;
  const rows = await tx.$queryRaw<SettleRow[]>`
    SELECT r.settled, r.refunded, ${settledJobColumns}
    FROM cw_settle_job(${input.jobId}::uuid, ${input.status}::"JobStatus", ${input.guard.kind}, ${workerId},
      ${input.actor.type}::"ActorType", ${input.actor.id}, ${input.errorCode ?? null}, ${input.errorMessage ?? null},
      ${goodwill}, NULL) AS r`;
  const row = rows[0];
  assert(row, "cw_settle_job answers one row");
  if (!row.settled) return null;
  const { settled: _settled, refunded, ...job } = row;
  return { jobId: input.jobId, workspaceId: job.workspaceId, status: input.status, refunded, job };
}
