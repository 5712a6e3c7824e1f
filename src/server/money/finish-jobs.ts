import "server-only";

import { Prisma, type Db } from "~/server/db";
import { assert } from "~/server/errors";
import { statementAlone } from "~/server/money/shapes";
import { jobsPerCallMax, type OutputWrite } from "~/server/money/types";

/**
 * A worker's finish that delivers every output its job has left: the job
 * ends COMPLETED and refunds nothing. `outputs` are the ones not written
 * yet (each delivered); with those written earlier in the run they make up
 * every output requested.
 */
export type DeliveringFinish = { jobId: string; accountId: string; outputs: OutputWrite[] };

/**
 * SETTLED; LEASE_LOST: the worker no longer held the job (nothing written);
 * REFUNDS: the lease held, but the outputs would not make up the job, so it
 * would refund: nothing written, settle it with `finishJob`.
 */
export type DeliveringFinishOutcome = "SETTLED" | "LEASE_LOST" | "REFUNDS";

/**
 * Settles several delivering finishes of one worker in one SERIALIZABLE
 * statement sent alone (`cw_finish_jobs`), at most `jobsPerCallMax`, behind
 * each account's other money transactions: their stripe locks are taken
 * first, in one fixed order (docs/decisions/0010-worker-batches.md). No
 * credit moves (no balance, ledger entry or grant is touched): the refund of
 * a finish that delivered everything is 0, which the statement checks again
 * against the job row before it writes, and `job_refund_fair` a third time.
 * Each job is fenced by its own lease: one that was lost changes nothing for
 * the others.
 */
export async function finishJobs(
  client: Db,
  batch: { workerId: string; finishes: DeliveringFinish[] },
): Promise<Map<string, DeliveringFinishOutcome>> {
  const { finishes } = batch;
  assert(finishes.length <= jobsPerCallMax, `at most ${jobsPerCallMax} jobs per finish, not ${finishes.length}`);
  if (finishes.length === 0) return new Map();
  const outputs = finishes.flatMap((finish) => finish.outputs.map((output) => ({ jobId: finish.jobId, ...output })));
  assert(outputs.every((output) => output.ok && output.content !== null), "a delivering finish writes delivered outputs only");
  type OutcomeRow = { jobId: string; outcome: DeliveringFinishOutcome };
  const shape = { label: "jobs.finishDelivered", accountIds: finishes.map((finish) => finish.accountId) };
  const rows = await statementAlone<OutcomeRow>(client, shape, Prisma.sql`
    SELECT r.job_id::text AS "jobId", r.outcome
    FROM cw_finish_jobs(${finishes.map((f) => f.jobId)}::uuid[], ${finishes.map((f) => f.outputs.length)}::int[], ${batch.workerId},
      ${outputs.map((o) => o.jobId)}::uuid[], ${outputs.map((o) => o.index)}::int[], ${outputs.map((o) => o.mimeType)}::text[],
      ${outputs.map((o) => o.content)}::text[]) AS r`);
  return new Map(rows.map((row) => [row.jobId, row.outcome]));
}
