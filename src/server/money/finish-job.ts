import "server-only";

import { Prisma, type Db } from "~/server/db";
import { assert } from "~/server/errors";
import { accountTransaction, statementAlone } from "~/server/money/shapes";
import type { OutputWrite } from "~/server/money/types";

export type JobFinish = {
  jobId: string;
  /** The job's owner: its account's money transactions are ordered. */
  accountId: string;
  workerId: string;
  leaseMs: number;
  outputsRequested: number;
  /** Outputs an earlier attempt wrote (they may have failed, and refund). */
  earlierOutputs: number;
  /** The outputs not written yet: they are written with the settlement. */
  outputs: OutputWrite[];
  /** null: the job ran to its end (COMPLETED, or FAILED when every output failed); FAILED with a code and message. */
  status: "FAILED" | null;
  errorCode: string | null;
  errorMessage: string | null;
};

export type FinishedJob = { status: string; refunded: number };

/**
 * Writes a running job's last outputs and settles it in one transaction
 * (`cw_finish_job`, fenced by the lease): refunds what it did not deliver,
 * once. Null when the lease was gone (nothing written).
 *
 * Its shape follows from what it writes: a finish that delivers every
 * output itself returns no credit, and is one statement sent alone; one
 * that may refund — reading and writing the account's balance, ledger and
 * grants beside other processes' cleanups — is an interactive transaction
 * (docs/decisions/0003-money-transaction-shapes.md).
 */
export async function finishJob(client: Db, finish: JobFinish): Promise<FinishedJob | null> {
  const refundsNothing = finish.status === null && finish.earlierOutputs === 0 &&
    finish.outputs.length === finish.outputsRequested && finish.outputs.every((output) => output.ok);
  const shape = { label: "jobs.finish", accountId: finish.accountId };
  type FinishRow = { outcome: "SETTLED" | "LEASE_LOST"; status: string | null; refunded: number };
  const rows = refundsNothing
    ? await statementAlone<FinishRow>(client, shape, finishJobCall(finish))
    : await accountTransaction(client, shape, (tx) => tx.$queryRaw<FinishRow[]>(finishJobCall(finish)));
  const row = rows[0];
  assert(row, "cw_finish_job answers one row");
  return row.outcome === "SETTLED" ? { status: row.status ?? "", refunded: row.refunded } : null;
}

function finishJobCall(finish: JobFinish): Prisma.Sql {
  const { outputs } = finish;
  return Prisma.sql`
    SELECT r.outcome, r.status, r.refunded
    FROM cw_finish_job(${finish.jobId}::uuid, ${finish.workerId}, ${finish.leaseMs}::int,
      ${outputs.map((o) => o.index)}::int[], ${outputs.map((o) => o.ok)}::boolean[], ${outputs.map((o) => o.mimeType)}::text[],
      ${outputs.map((o) => o.content)}::text[], ${outputs.map((o) => o.error)}::text[],
      ${finish.status}::"JobStatus", ${finish.errorCode}, ${finish.errorMessage}) AS r`;
}
